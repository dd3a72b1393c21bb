using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Switchboard.Gateway.Diagnostics;

/// <summary>
/// The gateway's <see cref="ActivitySource"/> (a span per tool call) and <see cref="Meter"/> (tool calls by server,
/// tool and outcome; calls in flight; requests waiting for admission; authentication failures). Labels are bounded:
/// server and tool names come from the registry (a name that resolves to nothing is <c>unknown</c>), never a principal.
/// </summary>
public static class GatewayDiagnostics
{
    /// <summary>The name of both the activity source and the meter: <c>Switchboard.Gateway</c>.</summary>
    public const string Name = "Switchboard.Gateway";

    /// <summary>The server and tool label of a call whose name resolves to no registered tool.</summary>
    public const string Unknown = "unknown";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(GatewayDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(GatewayDiagnostics).Assembly.GetName().Version?.ToString());

    // Buckets around the latency objective (p95 under 100 ms) and up to the tools' own timeouts.
    internal static readonly Histogram<double> ToolCallDuration = Meter.CreateHistogram(
        "switchboard.tool.call.duration", unit: "s", description: "Tool calls through the gateway by server, tool and outcome, from the access decision to the audited answer.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });

    private static long toolCallsInFlight;

    // Read when metrics are collected instead of added to on every call: two measurements fewer per tool call.
    private static readonly ObservableUpDownCounter<long> ToolCallsInFlight = Meter.CreateObservableUpDownCounter(
        "switchboard.tool_calls.in_flight", () => Volatile.Read(ref toolCallsInFlight), unit: "{call}", description: "Tool calls being decided, run or audited now.");

    private static long requestsWaiting;

    private static readonly ObservableUpDownCounter<long> RequestsWaiting = Meter.CreateObservableUpDownCounter(
        "switchboard.admission.waiting", () => Volatile.Read(ref requestsWaiting), unit: "{request}", description: "Requests waiting for their turn: the replica is working on Gateway:Admission:MaxRequests already.");

    private static readonly Counter<long> AuthFailures = Meter.CreateCounter<long>(
        "switchboard.auth.failures", unit: "{failure}", description: "Requests refused for their credential: missing, invalid, expired, revoked, or forbidden (authenticated but not allowed).");

    // Built by SessionlessServerPool; a count that keeps pace with requests means the pool is not reusing them.
    internal static readonly Counter<long> PooledServersCreated = Meter.CreateCounter<long>(
        "switchboard.mcp.pooled_servers.created", unit: "{server}", description: "SDK servers built for sessionless requests, by view: each serves one request after another until the pool lets it go.");

    // Answered by Http/DirectToolCall rather than through the SDK's transport.
    internal static readonly Counter<long> DirectToolCalls = Meter.CreateCounter<long>(
        "switchboard.mcp.direct_tool_calls", unit: "{call}", description: "Sessionless tools/call requests to self-contained built-in tools that the gateway answered itself, not through the MCP SDK's transport (Gateway:DirectToolCalls).");

    /// <summary>A tool call has started: counted in flight until <see cref="ToolCallEnded"/>.</summary>
    internal static void ToolCallStarted() => Interlocked.Increment(ref toolCallsInFlight);

    internal static void ToolCallEnded() => Interlocked.Decrement(ref toolCallsInFlight);

    /// <summary>A request waits for admission: counted until <see cref="AdmissionWaitEnded"/>.</summary>
    internal static void AdmissionWaitStarted() => Interlocked.Increment(ref requestsWaiting);

    internal static void AdmissionWaitEnded() => Interlocked.Decrement(ref requestsWaiting);

    /// <summary>Counts one authentication failure; <paramref name="reason"/> is one of the documented reason words.</summary>
    internal static void RecordAuthFailure(string reason) =>
        AuthFailures.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
