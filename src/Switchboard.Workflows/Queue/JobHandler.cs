using Switchboard.Storage.Queue;

namespace Switchboard.Workflows.Queue;

/// <summary>Runs the jobs of one <see cref="Kind"/>. It may run more than once for one job (at-least-once): after a crash, a lost lease or a retry.</summary>
public interface IJobHandler
{
    /// <summary>The job kind this handler runs (<c>jobs.kind</c>).</summary>
    string Kind { get; }

    /// <summary>Runs one attempt. <paramref name="cancellationToken"/> fires on a cancel request, a lost lease or shutdown.</summary>
    Task<JobOutcome> RunAsync(Job job, CancellationToken cancellationToken);

    /// <summary>
    /// Told once, by the worker that dead-lettered <paramref name="job"/> (its attempts ran out, or its last worker
    /// died on its last attempt); <see cref="Job.LastError"/> says why. Not told again if that worker dies first.
    /// </summary>
    Task DeadLetteredAsync(Job job, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>How an attempt ended, which decides the job's next state.</summary>
public abstract record JobOutcome
{
    /// <summary>Finished with a result (JSON).</summary>
    public sealed record Completed(string Result) : JobOutcome;

    /// <summary>Finished with an error retrying cannot fix (JSON: a JSON-RPC error object).</summary>
    public sealed record Failed(string Error) : JobOutcome;

    /// <summary>A transient failure: retried after the backoff, dead-lettered after the last attempt.</summary>
    public sealed record Retry(string Reason) : JobOutcome
    {
        /// <summary>When the refusal said how long to wait (a rate limit's retry-after).</summary>
        public TimeSpan? After { get; init; }
    }

    /// <summary>Waits for the client's answers (JSON: <c>{"inputRequests":…,"requestState":…}</c>).</summary>
    public sealed record NeedsInput(string InputRequests) : JobOutcome;

    /// <summary>
    /// Not finished, and nothing to do until something outside the job happens (the workflow run it started ends): the
    /// job goes back to the queue without holding a worker, with <paramref name="Payload"/> as its payload, and runs
    /// again after <paramref name="Recheck"/> or as soon as <see cref="JobQueue.WakeAsync"/> wakes it. Not an attempt.
    /// </summary>
    public sealed record Waiting(string Payload, TimeSpan Recheck) : JobOutcome;
}
