namespace Switchboard.Storage.Queue;

/// <summary>
/// Wakes idle workers in this process when work may be ready: set by an enqueue here, or by a PostgreSQL
/// notification from any replica (<see cref="PostgresJobListener"/>). A wake-up is a hint: the worker claims from the
/// database, so a lost or spurious one costs at most one poll interval or one empty claim.
/// </summary>
public sealed class JobSignal
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Wakes every waiter.</summary>
    public void Set() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    /// <summary>
    /// Raised with a job's id when a cancel was requested for it while it runs: by a cancel in this process, or through
    /// PostgreSQL from any replica. The worker running it stops the attempt at once instead of at its next heartbeat.
    /// </summary>
    public event Action<string>? CancelRequested;

    /// <summary>Tells this process's workers that the running job <paramref name="jobId"/> is to be cancelled.</summary>
    public void RequestCancel(string jobId) => CancelRequested?.Invoke(jobId);

    /// <summary>
    /// Raised with a job's id when its state changed (it finished, failed, was cancelled, asked for input or got it):
    /// by the change in this process, or through PostgreSQL (<c>NOTIFY switchboard_job_changes</c>) from any replica.
    /// MCP <c>subscriptions/listen</c> streams use it to push <c>notifications/tasks</c>; a hint, re-read from the database.
    /// </summary>
    public event Action<string>? JobChanged;

    /// <summary>Tells this process's listeners that the job <paramref name="jobId"/> changed state.</summary>
    public void Changed(string jobId) => JobChanged?.Invoke(jobId);

    /// <summary>Waits for the next <see cref="Set"/> or <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref _next).Task;
        try
        {
            await next.WaitAsync(timeout, time, cancellationToken);
        }
        catch (TimeoutException)
        {
            // the poll fallback
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
