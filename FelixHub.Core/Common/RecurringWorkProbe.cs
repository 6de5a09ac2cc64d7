using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FelixHub.Core.Common;

/// <summary>
/// The cheap question a recurring job's tick asks before Hangfire creates the job: is there anything
/// to do? A tick with nothing to do then costs one indexed <c>EXISTS</c> instead of a whole Hangfire job
/// (~57 statements and its state changes) — most of an idle worker's cost. Hangfire client filters are
/// synchronous, hence <see cref="HasWork"/>.
/// </summary>
public interface IRecurringWorkProbe
{
    string RecurringJobId { get; }

    bool HasWork();
}

/// <summary>A probe that is one <c>SELECT EXISTS (…)</c>, optionally with "now" as <c>$1</c>.</summary>
public sealed class SqlRecurringWorkProbe(
    string recurringJobId,
    string existsSql,
    NpgsqlDataSource dataSource,
    TimeProvider time,
    bool passesNow) : IRecurringWorkProbe
{
    public string RecurringJobId => recurringJobId;

    public bool HasWork()
    {
        using var command = dataSource.CreateCommand($"SELECT EXISTS ({existsSql})");
        if (passesNow) command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = time.GetUtcNow() });
        return command.ExecuteScalar() is true;
    }
}

public static class RecurringWorkProbeServiceCollectionExtensions
{
    /// <summary>
    /// Lets ticks of <paramref name="recurringJobId"/> with nothing to do be skipped: <paramref name="existsSql"/>
    /// is the body of an <c>EXISTS</c> that is true when there is work (<c>$1</c> is the current time when
    /// <paramref name="passesNow"/>). It must stay cheap (an indexed lookup) and must be true whenever the
    /// job would find something: a false "nothing to do" delays work until a tick sees it.
    /// </summary>
    public static IServiceCollection AddRecurringWorkProbe(this IServiceCollection services, string recurringJobId, string existsSql, bool passesNow = false) =>
        services.AddSingleton<IRecurringWorkProbe>(sp => new SqlRecurringWorkProbe(recurringJobId, existsSql,
            sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>(), passesNow));
}
