namespace Switchboard.Storage.Queue;

/// <summary>The job queue and its workers. Section <c>Queue</c> (docs/queue.md).</summary>
public sealed class JobQueueOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Queue";

    /// <summary>Run jobs in this process too (<c>serve</c>). <c>switchboard worker</c> always runs them.</summary>
    public bool InProcessWorker { get; set; } = true;

    /// <summary>Jobs one worker process runs at once.</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>How long a claim lasts without renewal; a worker that dies loses its jobs to another after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a running job's lease is renewed (and a cancel request noticed).</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often an idle worker looks for work when no notification wakes it (PostgreSQL LISTEN/NOTIFY, or the in-process signal, wakes it sooner).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Attempts before a failing job is dead-lettered.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The first retry's delay; each later one doubles (jittered) up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between retries.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a finished job (an MCP task's result) is kept, from when it finished; the task's <c>ttlMs</c>.</summary>
    public TimeSpan ResultRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often an MCP client is told to poll <c>tasks/get</c> (<c>pollIntervalMs</c>).</summary>
    public TimeSpan TaskPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long <c>serve</c>/<c>worker</c> waits, on shutdown, for running jobs to finish before returning them to the queue.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The delay before retry <paramref name="attempt"/> (1-based): exponential from <see cref="RetryBaseDelay"/>,
    /// capped at <see cref="MaxRetryDelay"/>, and jittered between half and all of that so a burst of failures does not retry in lockstep.
    /// </summary>
    public TimeSpan RetryDelay(int attempt, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double ceiling = Math.Min(MaxRetryDelay.TotalMilliseconds, RetryBaseDelay.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt - 1, 0, 30)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + random.NextDouble() * ceiling / 2);
    }
}
