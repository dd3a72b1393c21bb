using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Switchboard.Access.Diagnostics;

/// <summary>
/// The access path's <see cref="ActivitySource"/> and <see cref="Meter"/>: spans for the policy decision, the rate
/// limits and the audit append of each decided request, and the rate-limit refusal count.
/// </summary>
public static class AccessDiagnostics
{
    /// <summary>The name of both the activity source and the meter: <c>Switchboard.Access</c>.</summary>
    public const string Name = "Switchboard.Access";

    internal static readonly ActivitySource ActivitySource = new(Name, typeof(AccessDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(Name, typeof(AccessDiagnostics).Assembly.GetName().Version?.ToString());

    // Labelled by the registry's server name only (never the principal): the cardinality stays that of the registry.
    private static readonly Counter<long> RateLimitRefusals = Meter.CreateCounter<long>(
        "switchboard.rate_limit.refusals", unit: "{refusal}", description: "Requests refused by a rate limit, by MCP server (empty for the admin API).");

    /// <summary>Counts one request refused by a rate limit; <paramref name="server"/> is a registered server's name, or empty.</summary>
    public static void RecordRateLimitRefusal(string server) =>
        RateLimitRefusals.Add(1, new KeyValuePair<string, object?>("mcp.server", server));
}
