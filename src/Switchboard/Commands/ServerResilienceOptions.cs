using System.CommandLine;
using Switchboard.Gateway.Servers;
using Switchboard.Upstreams;

namespace Switchboard.Host.Commands;

/// <summary>
/// The options of <c>servers add</c> and <c>servers edit</c> for a server's resilience settings, the API's
/// <c>resilience</c> (<see cref="ServerResilience"/>) one setting per option. On <c>edit</c> the options given change
/// those settings only and the stored rest is kept; the result is checked like the API's (a bad value names the setting).
/// </summary>
internal sealed class ServerResilienceOptions
{
    private readonly Option<string[]> _toolTimeouts = new("--tool-timeout") { Description = "A timeout for one tool's calls, TOOL=00:05:00 (the upstream's tool name), instead of --timeout; repeat for several. On edit they replace the whole set." };
    private readonly Option<int?> _retryAttempts = new("--retry-attempts") { Description = "Retries of a safe request: lists, reads, probes, read-only or idempotent tools (0 to 10; default 2)." };
    private readonly Option<TimeSpan?> _retryDelay = new("--retry-delay") { Description = "The first retry's delay, doubled each time (default 00:00:00.100)." };
    private readonly Option<int?> _maxCalls = new("--max-calls") { Description = "Requests in flight to the upstream at once, per gateway process (default 64)." };
    private readonly Option<int?> _maxQueued = new("--max-queued") { Description = "Requests that may wait for a slot; more are refused as busy (default 256)." };
    private readonly Option<double?> _failureRatio = new("--breaker-failure-ratio") { Description = "Share of failed calls in the window that opens the circuit (above 0, at most 1; default 0.5)." };
    private readonly Option<int?> _minimumThroughput = new("--breaker-minimum-throughput") { Description = "Calls the window needs before the ratio counts (2 or more; default 5)." };
    private readonly Option<TimeSpan?> _samplingDuration = new("--breaker-sampling-duration") { Description = "The window failures are counted in (default 00:00:30)." };
    private readonly Option<TimeSpan?> _breakDuration = new("--breaker-break-duration") { Description = "How long calls are refused at once after the circuit opens (default 00:00:30)." };
    private readonly Option<TimeSpan?> _healthInterval = new("--health-interval") { Description = "How often the upstream is probed; 00:00:00 turns active checks off (default 00:00:10)." };
    private readonly Option<int?> _unhealthyThreshold = new("--health-unhealthy-threshold") { Description = "Failed probes in a row that make it unhealthy (default 2)." };
    private readonly Option<int?> _healthyThreshold = new("--health-healthy-threshold") { Description = "Answered probes in a row that make it healthy again (default 1)." };
    private readonly Option<bool?> _discovery = new("--discovery") { Description = "true resolves the URL's host to all its addresses and balances across them (default false)." };
    private readonly Option<string[]> _discoveryAddresses = new("--discovery-address") { Description = "A fixed IP address (no port) to balance across instead of DNS; repeat for several; implies --discovery true. On edit they replace the whole set." };
    private readonly Option<TimeSpan?> _discoveryRefresh = new("--discovery-refresh-interval") { Description = "How long one DNS resolution is used (default 00:00:30)." };
    private readonly Option<TimeSpan?> _discoveryBackoff = new("--discovery-failure-backoff") { Description = "How long an address that could not be connected is skipped (default 00:00:10)." };

    private IEnumerable<Option> All =>
    [
        _toolTimeouts, _retryAttempts, _retryDelay, _maxCalls, _maxQueued, _failureRatio, _minimumThroughput, _samplingDuration,
        _breakDuration, _healthInterval, _unhealthyThreshold, _healthyThreshold, _discovery, _discoveryAddresses, _discoveryRefresh,
        _discoveryBackoff,
    ];

    /// <summary>Adds these options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Whether any of these options was given.</summary>
    public bool AnyGiven(ParseResult result) => All.Any(o => result.GetResult(o) is not null);

    /// <summary>
    /// <paramref name="current"/>'s resilience settings with the options given applied, or null when none was given
    /// (an addition keeps the defaults, an edit the stored settings).
    /// </summary>
    public ServerResilience? Read(ParseResult result, UpstreamOptions current)
    {
        if (!AnyGiven(result))
        {
            return null;
        }

        var settings = ServerResilience.Of(current);
        var (retry, concurrency, breaker, health, discovery) = (settings.Retry!, settings.Concurrency!, settings.CircuitBreaker!, settings.HealthCheck!, settings.Discovery!);
        var toolTimeouts = result.GetValue(_toolTimeouts) is { Length: > 0 } given ? ToolTimeouts(given) : settings.ToolTimeouts;
        Set(result, _retryAttempts, v => retry.MaxAttempts = v);
        Set(result, _retryDelay, v => retry.Delay = v);
        Set(result, _maxCalls, v => concurrency.MaxCalls = v);
        Set(result, _maxQueued, v => concurrency.MaxQueued = v);
        Set(result, _failureRatio, v => breaker.FailureRatio = v);
        Set(result, _minimumThroughput, v => breaker.MinimumThroughput = v);
        Set(result, _samplingDuration, v => breaker.SamplingDuration = v);
        Set(result, _breakDuration, v => breaker.BreakDuration = v);
        Set(result, _healthInterval, v => health.Interval = v);
        Set(result, _unhealthyThreshold, v => health.UnhealthyThreshold = v);
        Set(result, _healthyThreshold, v => health.HealthyThreshold = v);
        Set(result, _discovery, v => discovery.Enabled = v);
        Set(result, _discoveryRefresh, v => discovery.RefreshInterval = v);
        Set(result, _discoveryBackoff, v => discovery.FailureBackoff = v);
        if (result.GetValue(_discoveryAddresses) is { Length: > 0 } addresses)
        {
            discovery.Addresses = [.. addresses];
        }

        return settings with { ToolTimeouts = toolTimeouts };
    }

    private static void Set<T>(ParseResult result, Option<T?> option, Action<T> apply) where T : struct
    {
        if (result.GetValue(option) is { } value)
        {
            apply(value);
        }
    }

    private static Dictionary<string, TimeSpan> ToolTimeouts(string[] values)
    {
        var timeouts = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        foreach (string value in values)
        {
            int equals = value.LastIndexOf('=');
            if (equals <= 0 || !TimeSpan.TryParse(value[(equals + 1)..], System.Globalization.CultureInfo.InvariantCulture, out var timeout))
            {
                throw new ArgumentException($"--tool-timeout takes TOOL=TIME, e.g. rebuild_index=00:05:00; '{Shown.Text(value)}' is not that.");
            }

            timeouts[value[..equals]] = timeout;
        }

        return timeouts;
    }
}
