using Switchboard.Registry;

namespace Switchboard.Upstreams.Resilience;

/// <summary>How one call to an upstream tool is run: its timeout, and whether it may be retried.</summary>
internal static class UpstreamCallPolicy
{
    /// <summary>
    /// Whether a call of <paramref name="tool"/> may be sent again after a transport failure: only when the upstream
    /// annotates it <c>readOnlyHint</c> or <c>idempotentHint</c>. The hints are the upstream's word; a tool that lies
    /// about them is its operator's to fix.
    /// </summary>
    public static bool IsSafe(McpServerCatalog catalog, string tool) =>
        catalog.Tools.TryGetPrimitive(tool, out var shown)
        && shown.ProtocolTool.Annotations is { ReadOnlyHint: true } or { IdempotentHint: true };

    /// <summary>The timeout of a call of <paramref name="tool"/>: its own from <see cref="UpstreamOptions.ToolTimeouts"/>, or the server's.</summary>
    public static TimeSpan TimeoutFor(UpstreamOptions options, string tool) =>
        options.ToolTimeouts.TryGetValue(tool, out var timeout) ? timeout : options.Timeout;
}
