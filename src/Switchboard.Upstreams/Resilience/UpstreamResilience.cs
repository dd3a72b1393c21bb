using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Switchboard.Upstreams.Resilience;

/// <summary>
/// What every request to one upstream passes (Polly v8): a concurrency limit with a bounded queue, then, for safe
/// requests only, retries with exponential backoff and jitter, then the circuit breaker around a timeout, so a
/// request that times out counts as a failure. Retried and unretried requests share one breaker and one limit.
/// </summary>
internal sealed class UpstreamResilience : IDisposable
{
    private static readonly ResiliencePropertyKey<TimeSpan> TimeoutKey = new("switchboard.upstream.timeout");

    private readonly CircuitBreakerStateProvider _circuit = new();
    // A slot per request in flight; requests beyond them wait, up to MaxQueued of them.
    private readonly SemaphoreSlim _slots;
    private readonly int _maxQueued;
    private int _queued;
    private readonly ResiliencePipeline _once;
    private readonly ResiliencePipeline _retried;

    public UpstreamResilience(UpstreamOptions options, TimeProvider timeProvider, Action<OnCircuitOpenedArguments<object>> opened, Action closed)
    {
        var breaker = options.CircuitBreaker;
        _slots = new SemaphoreSlim(options.Concurrency.MaxCalls, options.Concurrency.MaxCalls);
        _maxQueued = options.Concurrency.MaxQueued;
        _once = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(UpstreamFailure.IsUpstreamFault),
                StateProvider = _circuit,
                OnOpened = args =>
                {
                    opened(args);
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    closed();
                    return ValueTask.CompletedTask;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions
            {
                TimeoutGenerator = args => ValueTask.FromResult(args.Context.Properties.GetValue(TimeoutKey, options.Timeout)),
            })
            .Build();
        _retried = options.Retry.MaxAttempts == 0
            ? _once
            : new ResiliencePipelineBuilder { TimeProvider = timeProvider }
                .AddRetry(new RetryStrategyOptions
                {
                    MaxRetryAttempts = options.Retry.MaxAttempts,
                    Delay = options.Retry.Delay,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    // Not a timeout: the request's time is spent. Not an open circuit: it refuses without trying.
                    ShouldHandle = new PredicateBuilder().Handle<Exception>(e => UpstreamFailure.IsUpstreamFault(e) && e is not TimeoutRejectedException),
                })
                .AddPipeline(_once)
                .Build();
    }

    /// <summary>The circuit's state: <see cref="CircuitState.Closed"/> while requests go through.</summary>
    public CircuitState CircuitState => _circuit.CircuitState;

    /// <summary>
    /// Runs <paramref name="request"/> once a slot is free, within <paramref name="timeout"/>, retried on transport
    /// failures when <paramref name="safe"/> (it has no effects, or the same effects however often it runs).
    /// </summary>
    /// <exception cref="UpstreamBusyException">No slot became free within <paramref name="timeout"/>, or the queue is full.</exception>
    public async ValueTask<TResult> ExecuteAsync<TResult, TState>(bool safe, TimeSpan timeout, Func<TState, CancellationToken, ValueTask<TResult>> request, TState state, CancellationToken cancellationToken)
    {
        await AcquireSlotAsync(timeout, cancellationToken);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        context.Properties.Set(TimeoutKey, timeout);
        try
        {
            return await (safe ? _retried : _once).ExecuteAsync(
                static async (context, s) =>
                {
                    var tooLarge = Http.ResponseSizeLimitHandler.Watch();
                    try
                    {
                        return await s.request(s.state, context.CancellationToken);
                    }
                    catch (Exception e) when (tooLarge.Value && e is not Http.UpstreamResponseTooLargeException)
                    {
                        throw new Http.UpstreamResponseTooLargeException();
                    }
                },
                context,
                (request, state));
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            _slots.Release();
        }
    }

    private async ValueTask AcquireSlotAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_slots.Wait(0, CancellationToken.None))
        {
            return;
        }

        try
        {
            if (Interlocked.Increment(ref _queued) > _maxQueued || !await _slots.WaitAsync(timeout, cancellationToken))
            {
                throw new UpstreamBusyException();
            }
        }
        finally
        {
            Interlocked.Decrement(ref _queued);
        }
    }

    public void Dispose() => _slots.Dispose();
}

/// <summary>An upstream had no free slot for a request: <see cref="ConcurrencySettings.MaxCalls"/> were in flight and the queue was full or too slow.</summary>
internal sealed class UpstreamBusyException() : Exception("The upstream is busy.");
