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
