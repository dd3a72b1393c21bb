namespace Switchboard.Testing;

/// <summary>Waits for a condition by polling with a deadline (never a fixed sleep); a missed deadline fails the test.</summary>
public static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string failure) =>
        await UntilAsync(() => Task.FromResult(condition()), timeout, failure);

    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var deadline = DateTime.UtcNow + timeout;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{failure} within {timeout.TotalSeconds:0} s.");
            }

            await timer.WaitForNextTickAsync();
        }
    }
}
