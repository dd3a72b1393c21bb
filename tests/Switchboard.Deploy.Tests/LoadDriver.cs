using System.Collections.Concurrent;
using System.Diagnostics;

namespace Switchboard.Deploy.Tests;

/// <summary>What became of one tool call the load driver sent.</summary>
/// <param name="Id">Its JSON-RPC id; its text is <see cref="ToolCall.TextFor"/>(Id).</param>
/// <param name="Started">When it was sent, on the driver's clock.</param>
/// <param name="Finished">When its answer (or failure) came.</param>
/// <param name="Failure">Null when it was answered with its result (acknowledged), else why not.</param>
internal sealed record CallOutcome(long Id, TimeSpan Started, TimeSpan Finished, string? Failure);

/// <summary>
/// A few callers looping on sessionless tool calls through the load balancer, each with a short pause, recording every
/// call; what a fleet must keep serving while it is restarted, upgraded or loses a replica.
/// </summary>
internal sealed class LoadDriver : IAsyncDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly ConcurrentQueue<CallOutcome> _outcomes = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Task[] _callers;
    private long _nextId;

    /// <summary>Starts <paramref name="callers"/> callers against <paramref name="endpoint"/>.</summary>
    public LoadDriver(Uri endpoint, string apiKey, int callers = 4, TimeSpan? pause = null)
    {
        var wait = pause ?? TimeSpan.FromMilliseconds(10);
        _callers = [.. Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                long id = Interlocked.Increment(ref _nextId);
                var started = _clock.Elapsed;
                string? failure = await ToolCall.SendAsync(_http, endpoint, apiKey, id, CancellationToken.None);
                _outcomes.Enqueue(new CallOutcome(id, started, _clock.Elapsed, failure));
                await Task.Delay(wait, CancellationToken.None);
            }
        }))];
    }

    /// <summary>The driver's clock, to mark events (a restart, a kill) against the calls.</summary>
    public TimeSpan Now => _clock.Elapsed;

    /// <summary>The calls finished so far.</summary>
    public IReadOnlyList<CallOutcome> Outcomes => [.. _outcomes];

    /// <summary>Waits until <paramref name="count"/> more calls have finished, so that each phase runs under load.</summary>
    public Task WaitForCallsAsync(int count, TimeSpan timeout)
    {
        int target = _outcomes.Count + count;
        return Switchboard.Testing.Poll.UntilAsync(() => _outcomes.Count >= target, timeout, $"The load driver did not finish {count} more calls");
    }

    /// <summary>Stops the callers after their current call and returns every outcome.</summary>
    public async Task<IReadOnlyList<CallOutcome>> StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_callers);
        return Outcomes;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
        _http.Dispose();
    }
}
