namespace Switchboard.Testing;

/// <summary>Waits for a condition by polling with a deadline (never a fixed sleep); a missed deadline fails the test.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string failure) =>
        await UntilAsync(() => Task.FromResult(condition()), timeout, failure);

    /// <remarks>
    /// No single check may take longer than <paramref name="timeout"/> either: one that never returns (a request the
    /// server never answers, on a stream whose headers already came) fails the test instead of waiting for ever.
    /// </remarks>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await condition().WithinAsync(timeout, $"{failure} within {timeout.TotalSeconds:0} s (a check was still waiting for an answer)."))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{failure} within {timeout.TotalSeconds:0} s.");
            }

            await timer.WaitForNextTickAsync();
        }
    }
}
