namespace Switchboard.Storage.Queue;

/// <summary>Where a job is in its life. The last four are terminal: the row never changes state again.</summary>
public enum JobState
{
    /// <summary>Waiting for a worker (or for its <c>run_at</c>).</summary>
    Queued,

    /// <summary>Claimed by a worker, under a lease it renews.</summary>
    Running,

    /// <summary>Parked until the client answers its input requests (MCP <c>tasks/update</c>).</summary>
    InputRequired,

    /// <summary>Finished with a result.</summary>
    Completed,

    /// <summary>Finished with an error that retrying cannot fix (an MCP task's <c>failed</c>).</summary>
    Failed,

    /// <summary>Cancelled before it finished.</summary>
    Cancelled,

    /// <summary>Dead-lettered: every attempt failed, or its last worker died on its last attempt; <c>last_error</c> says why.</summary>
    Dead,
}

/// <summary>A job to enqueue.</summary>
/// <param name="Kind">Which handler runs it (<c>tool-call</c>).</param>
/// <param name="PrincipalId">Who it runs as; the job is visible to this principal only.</param>
/// <param name="PrincipalRoles">The roles the principal's credential carried when it asked; decided again at execution.</param>
/// <param name="Payload">The handler's input, JSON.</param>
public sealed record JobDraft(string Kind, string PrincipalId, IReadOnlyList<string> PrincipalRoles, string Payload)
{
    /// <summary>Higher runs first.</summary>
    public int Priority { get; init; }

    /// <summary>Not before this time (a delay or a schedule); null means now.</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>Attempts before the job is dead-lettered; null means the queue's default.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>A second enqueue with the same key by the same principal returns the first job instead of a new one.</summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>One job row.</summary>
public sealed record Job(
    string Id,
    string Kind,
    string PrincipalId,
    IReadOnlyList<string> PrincipalRoles,
    string Payload,
    JobState State,
    int Priority,
    DateTimeOffset RunAt,
    int Attempts,
    int MaxAttempts,
    string? LeaseOwner,
    DateTimeOffset? LeaseExpiresAt,
    string? IdempotencyKey,
    bool CancelRequested,
    string? InputRequests,
    string? InputResponses,
    string? Result,
    string? Error,
    string? LastError,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt,
    DateTimeOffset? ExpiresAt)
{
    /// <summary>Whether the job has finished, one way or another.</summary>
    public bool IsTerminal => State is JobState.Completed or JobState.Failed or JobState.Cancelled or JobState.Dead;
}

/// <summary>A claimed job: the row as claimed plus the token that fences every change the claimant makes to it.</summary>
/// <param name="Job">The row after the claim (state running, attempts counted).</param>
/// <param name="Token">The lease token; a change made with a stale token (the lease expired and another worker took the job) changes nothing.</param>
public sealed record JobLease(Job Job, string Token);

/// <summary>What a <c>cancel</c> found.</summary>
public enum CancelOutcome
{
    /// <summary>No such job for this principal.</summary>
    NotFound,

    /// <summary>It had not started (or was waiting for input): it is cancelled now.</summary>
    Cancelled,

    /// <summary>A worker is running it: the worker is asked to stop, and records <c>cancelled</c> when it does.</summary>
    Requested,

    /// <summary>It had already finished; nothing changed.</summary>
    AlreadyFinished,
}

/// <summary>The queue as the metrics show it (<see cref="JobQueue.SampleAsync"/>).</summary>
/// <param name="Depth">Jobs by state, for <c>queued</c>, <c>running</c>, <c>input_required</c> and <c>dead</c> (0 when none).</param>
/// <param name="OldestReadyAge">How long the queued job longest due has waited; zero when none is due.</param>
public sealed record QueueSample(IReadOnlyDictionary<JobState, long> Depth, TimeSpan OldestReadyAge);
