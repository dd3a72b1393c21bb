using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Switchboard.Upstreams.Resilience;

/// <summary>
/// The resilience pipeline of one upstream: a circuit breaker around a timeout, so a call that times out counts as a
/// failure. No retry: a forwarded <c>tools/call</c> may have effects, and retrying it is not ours to decide.
/// </summary>
internal static class UpstreamPipeline
{
    public static ResiliencePipeline Create(UpstreamOptions options, CircuitBreakerStateProvider state, TimeProvider timeProvider, Action<OnCircuitOpenedArguments<object>> opened, Action closed)
    {
        var breaker = options.CircuitBreaker;
        return new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(UpstreamFailure.IsUpstreamFault),
                StateProvider = state,
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
            .AddTimeout(new TimeoutStrategyOptions { Timeout = options.Timeout })
            .Build();
    }
}
