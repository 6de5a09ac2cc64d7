using System.ComponentModel.DataAnnotations;

namespace FelixHub.Worker.Hosting;

/// <summary>Hangfire tuning for this workload; hangfire-dashboard.md explains each choice.</summary>
public sealed class HangfireOptions
{
    public const string Section = "Hangfire";

    [Range(1, 200)]
    public int WorkerCount { get; set; } = 10;

    /// <summary>
    /// Most connections in Hangfire's own pool (storage, fetches, enqueues, dashboard). 0: sized from the
    /// workers, WorkerCount + <see cref="ConnectionBudget.HangfireServerConnections"/> (12 with 10
    /// workers). A pool size in the connection string wins. docs/database-connections.md sums up every
    /// connection of a replica.
    /// </summary>
    [Range(0, 500)]
    public int MaxPoolSize { get; set; }

    /// <summary>Fallback poll of the queue; new jobs normally wake workers at once (LISTEN/NOTIFY, see <see cref="EnableLongPolling"/>).</summary>
    [Range(0.05, 300)]
    public double QueuePollIntervalSeconds { get; set; } = 15;

    /// <summary>
    /// LISTEN/NOTIFY: every enqueue sends <c>NOTIFY new_job</c> and one listener per process wakes its
    /// waiting workers, so a job enqueued by any replica starts within milliseconds (HangfireJobQueue.cs;
    /// not Hangfire.PostgreSql's own long polling, which stalled workers). Off: workers only poll.
    /// </summary>
    public bool EnableLongPolling { get; set; } = true;

    /// <summary>How often scheduled jobs, retries and recurring jobs are looked at: also their precision.</summary>
    [Range(0.05, 300)]
    public double SchedulePollingIntervalSeconds { get; set; } = 5;

    /// <summary>A job whose worker died is fetched again after this long (sliding: a live worker keeps extending it).</summary>
    [Range(0.5, 60)]
    public double InvisibilityTimeoutMinutes { get; set; } = 1;

    /// <summary>Retries after the first execution of a job (Hangfire counts retries, not executions).</summary>
    [Range(0, 20)]
    public int RetryAttempts { get; set; } = 3;

    /// <summary>
    /// Delay before each retry; the last value repeats if there are more retries than values. Empty
    /// means 30 s, 2 min, 10 min. (No initializer here: the configuration binder appends to one.)
    /// </summary>
    public int[] RetryDelaysSeconds { get; set; } = [];

    public int[] EffectiveRetryDelaysSeconds => RetryDelaysSeconds.Length > 0 ? RetryDelaysSeconds : [30, 120, 600];

    public string SchemaName { get; set; } = "hangfire";

    /// <summary>
    /// The whole shutdown budget of the process (the host's timeout; match the orchestrator's grace
    /// period). Running jobs get 70 % of it to finish, then their cancellation token fires and they are
    /// handed back to the queue; at 85 % Hangfire stops waiting for anything still stuck (e.g. a
    /// storage lock left by a database outage) and deregisters the server; the rest is for the host.
    /// </summary>
    [Range(2, 600)]
    public int ShutdownTimeoutSeconds { get; set; } = 30;

    public TimeSpan JobStopTimeout => TimeSpan.FromSeconds(ShutdownTimeoutSeconds * 0.70);

    public TimeSpan ServerShutdownTimeout => TimeSpan.FromSeconds(ShutdownTimeoutSeconds * 0.85);

    /// <summary>
    /// A Hangfire storage lock older than this is taken for one left behind by a process that died or
    /// lost its connection (an outage leaves such locks; until they expire, the job or scheduler they
    /// guard waits). Hangfire holds its own locks for milliseconds; do not use
    /// <c>[DisableConcurrentExecution]</c> for jobs that run longer than this (claim work with
    /// <c>FOR UPDATE SKIP LOCKED</c> instead).
    /// </summary>
    [Range(5, 3600)]
    public int DistributedLockTimeoutSeconds { get; set; } = 15;

    /// <summary>
    /// A job fetched from the queue but still <c>Enqueued</c> this long after it entered that state, its
    /// fetch more than <see cref="LeakedFetchMinAgeSeconds"/> old, is taken for a lost fetch and put back
    /// in the queue (see <c>LeakedFetchWatchdog</c>). A worker moves a job it fetched to <c>Processing</c>
    /// within milliseconds. 0 switches the watchdog off.
    /// </summary>
    [Range(0, 3600)]
    public int LeakedFetchAfterSeconds { get; set; } = 120;

    /// <summary>How old the fetch itself must be (the sliding invisibility keeps refreshing it every fifth of the timeout).</summary>
    [Range(1, 600)]
    public int LeakedFetchMinAgeSeconds { get; set; } = 15;

    /// <summary>Run the Hangfire server in this process (off: a web-only replica that enqueues and serves the dashboard).</summary>
    public bool ServerEnabled { get; set; } = true;
}
