using ModelContextProtocol.Client;

namespace Switchboard.Upstreams.Catalog;

/// <summary>
/// Re-lists one kind of an upstream's list (its tools, or its prompts and resources) when it announces a change, at
/// most one listing at a time and one per <see cref="MinimumInterval"/>: notifications that arrive while a listing
/// runs or waits are folded into one more listing after it, on the client that announced last.
/// </summary>
/// <remarks>
/// An upstream that sent <c>list_changed</c> every 10 ms had the gateway list it about 100 times a second and pass
/// hundreds of <c>list_changed</c> a minute on to every session; now it is listed at most once a second, and clients
/// hear of a change at most once a second per upstream and kind (a listing that changes nothing tells them nothing).
/// </remarks>
internal sealed class CoalescedRelist(Func<McpClient, Task> relist, TimeProvider timeProvider)
{
    /// <summary>The least time from the start of one listing to the start of the next.</summary>
    public static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _lock = new();
    private McpClient? _client;
    private bool _running;
    private long _lastStarted = long.MinValue;

    /// <summary>The upstream on <paramref name="client"/> said the list changed.</summary>
    public void Changed(McpClient client)
    {
        lock (_lock)
        {
            _client = client; // a listing that has not started yet uses the newest client
            if (_running)
            {
                return;
            }

            _running = true;
        }

        _ = RunAsync();
    }

    private async Task RunAsync()
    {
        while (true)
        {
            McpClient client;
            TimeSpan wait;
            lock (_lock)
            {
                if (_client is null)
                {
                    _running = false;
                    return;
                }

                client = _client;
                _client = null;
                wait = _lastStarted == long.MinValue ? TimeSpan.Zero : MinimumInterval - timeProvider.GetElapsedTime(_lastStarted);
            }

            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, timeProvider);
                lock (_lock)
                {
                    // Notifications during the wait are served by this listing, on the newest client.
                    client = _client ?? client;
                    _client = null;
                }
            }

            _lastStarted = timeProvider.GetTimestamp();
            await relist(client); // logs its own failures
        }
    }
}
