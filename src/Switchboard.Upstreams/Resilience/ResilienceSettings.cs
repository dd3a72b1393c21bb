namespace Switchboard.Upstreams.Resilience;

/// <summary>
/// Retries of one upstream's safe requests: lists, reads, health probes, and <c>tools/call</c> of a tool the upstream
/// annotates <c>readOnlyHint</c> or <c>idempotentHint</c>. Never any other call: it may have had effects.
/// </summary>
public sealed class RetrySettings
{
    /// <summary>How many times a safe request that failed to reach the upstream is sent again; 0 turns retries off.</summary>
    public int MaxAttempts { get; set; } = 2;

    /// <summary>The first retry's delay; each next one doubles it, with jitter.</summary>
    public TimeSpan Delay { get; set; } = TimeSpan.FromMilliseconds(100);
}

/// <summary>How many requests one upstream gets at once from this gateway process, and how many may wait.</summary>
public sealed class ConcurrencySettings
{
    /// <summary>Requests in flight to the upstream at once.</summary>
    public int MaxCalls { get; set; } = 64;

    /// <summary>Requests that may wait for a free slot (at most the request's timeout); beyond that a call is refused as busy.</summary>
    public int MaxQueued { get; set; } = 256;
}

/// <summary>The active health check of one upstream: a ping (or <c>server/discover</c>) on an interval.</summary>
public sealed class HealthCheckSettings
{
    /// <summary>How often the upstream is probed; <see cref="TimeSpan.Zero"/> turns active checks off.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Consecutive successful probes that make an unhealthy upstream healthy again.</summary>
    public int HealthyThreshold { get; set; } = 1;

    /// <summary>Consecutive failed probes that make a healthy upstream unhealthy.</summary>
    public int UnhealthyThreshold { get; set; } = 2;
}

/// <summary>Checks the resilience and health settings of one upstream.</summary>
internal static class ResilienceSettingsValidator
{
    private static readonly TimeSpan MinimumTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaximumTimeout = TimeSpan.FromDays(1);
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(200);

    public static IEnumerable<string> Problems(string key, UpstreamOptions upstream)
    {
        foreach (var (tool, timeout) in upstream.ToolTimeouts)
        {
            if (timeout < MinimumTimeout || timeout > MaximumTimeout)
            {
                yield return $"{key}:ToolTimeouts:{tool} is {timeout}; set it between {MinimumTimeout} and {MaximumTimeout}.";
            }
        }

        if (upstream.Retry.MaxAttempts is < 0 or > 10)
        {
            yield return $"{key}:Retry:MaxAttempts is {upstream.Retry.MaxAttempts}; set it between 0 (no retries) and 10.";
        }

        if (upstream.Retry.Delay < TimeSpan.Zero || upstream.Retry.Delay > TimeSpan.FromMinutes(1))
        {
            yield return $"{key}:Retry:Delay is {upstream.Retry.Delay}; set it between 0 and 00:01:00.";
        }

        if (upstream.Concurrency.MaxCalls < 1)
        {
            yield return $"{key}:Concurrency:MaxCalls is {upstream.Concurrency.MaxCalls}; set it to 1 or more.";
        }

        if (upstream.Concurrency.MaxQueued < 0)
        {
            yield return $"{key}:Concurrency:MaxQueued is {upstream.Concurrency.MaxQueued}; set it to 0 (no queue) or more.";
        }

        if (upstream.MaxResponseBytes < 1024)
        {
            yield return $"{key}:MaxResponseBytes is {upstream.MaxResponseBytes}; set it to 1024 or more.";
        }

        var health = upstream.HealthCheck;
        if (health.Interval != TimeSpan.Zero && health.Interval < MinimumInterval)
        {
            yield return $"{key}:HealthCheck:Interval is {health.Interval}; set it to {MinimumInterval} or more, or 0 to turn active checks off.";
        }

        if (health.HealthyThreshold < 1 || health.UnhealthyThreshold < 1)
        {
            yield return $"{key}:HealthCheck:HealthyThreshold and UnhealthyThreshold must each be 1 or more.";
        }
    }
}
