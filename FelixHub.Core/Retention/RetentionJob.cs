using System.ComponentModel;
using System.Diagnostics;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Retention;

/// <summary>What one retention run removed, per rule (also the result Hangfire shows for the run).</summary>
public sealed record RetentionSummary(IReadOnlyDictionary<string, long> Deleted, double Seconds)
{
    public override string ToString() =>
        string.Join(", ", Deleted.Select(d => $"{d.Key}: {d.Value}")) + $" in {Seconds:F1} s";
}

/// <summary>
/// The daily <c>retention</c> job: for every feature's <see cref="RetentionRule"/>, deletes what is older
/// than its age in batches of <see cref="RetentionOptions.BatchSize"/>, each batch its own statement and
/// transaction, skipping rows another transaction holds. Nothing a sender or a dedup check still needs
/// is a candidate (the rules say what is final). No Hangfire retry: tomorrow's run picks up the rest.
/// </summary>
public sealed partial class RetentionJob(
    NpgsqlDataSource dataSource,
    IEnumerable<RetentionRule> rules,
    IOptionsMonitor<RetentionOptions> options,
    TimeProvider time,
    ILogger<RetentionJob> logger)
{
    public const string RecurringJobId = "retention";

    [AutomaticRetry(Attempts = 0)]
    [DisplayName("Retention: delete old rows")]
    public async Task<RetentionSummary> ExecuteAsync(CancellationToken cancellationToken)
    {
        var o = options.CurrentValue;
        var started = Stopwatch.StartNew();
        var deleted = new Dictionary<string, long>();
        foreach (var rule in rules)
        {
            var cutoff = time.GetUtcNow().AddDays(-rule.Days(o)).ToUniversalTime();
            long total = 0;
            int batch;
            do
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using var command = dataSource.CreateCommand(rule.DeleteBatchSql);
                command.Parameters.Add(new NpgsqlParameter { Value = cutoff });
                command.Parameters.Add(new NpgsqlParameter { Value = o.BatchSize });
                command.CommandTimeout = 300;
                batch = await command.ExecuteNonQueryAsync(cancellationToken);
                total += batch;
                if (batch >= o.BatchSize && o.PauseMilliseconds > 0) await Task.Delay(TimeSpan.FromMilliseconds(o.PauseMilliseconds), time, cancellationToken);
            } while (batch >= o.BatchSize);
            deleted[rule.Name] = total;
            LogRule(logger, rule.Name, total, cutoff);
        }
        var summary = new RetentionSummary(deleted, started.Elapsed.TotalSeconds);
        LogDone(logger, summary.ToString());
        return summary;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Retention: {Rule} deleted {Count} rows older than {Cutoff}")]
    private static partial void LogRule(ILogger logger, string rule, long count, DateTimeOffset cutoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retention run: {Summary}")]
    private static partial void LogDone(ILogger logger, string summary);
}
