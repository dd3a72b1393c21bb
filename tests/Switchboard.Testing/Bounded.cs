namespace Switchboard.Testing;

/// <summary>
/// Awaits with a bound: a task still running after the timeout fails the test with a message that names what did not
/// happen, instead of holding the run for ever (a hung wait is otherwise only ended, unnamed, by the suite's limit).
/// </summary>
public static class Bounded
{
    public static async Task<T> WithinAsync<T>(this Task<T> task, TimeSpan timeout, string failure, CancellationToken cancellationToken = default)
    {
        try
        {
            return await task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException(failure);
        }
    }

    public static async Task WithinAsync(this Task task, TimeSpan timeout, string failure, CancellationToken cancellationToken = default)
    {
        try
        {
            await task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException(failure);
        }
    }
}
