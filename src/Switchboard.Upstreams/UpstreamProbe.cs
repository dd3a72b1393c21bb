using Microsoft.Extensions.Logging;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Upstreams;

/// <summary>What a connection test of an upstream found.</summary>
/// <param name="Connected">Whether it answered the handshake and <c>tools/list</c>.</param>
/// <param name="ProtocolVersion">The protocol revision agreed, when connected.</param>
/// <param name="Tools">The names of the tools it lists, when connected.</param>
/// <param name="Reason">Why it could not be connected (<c>unreachable</c>, <c>timeout</c>, <c>failed</c>), otherwise null.</param>
public sealed record UpstreamProbeResult(bool Connected, string? ProtocolVersion, IReadOnlyList<string> Tools, string? Reason);

/// <summary>Connects to an upstream once, outside the registry, to see whether it serves MCP (<c>switchboard servers test</c>).</summary>
public static class UpstreamProbe
{
    /// <summary>Connects with <paramref name="options"/>, lists the tools, and disconnects; never throws for the upstream's faults.</summary>
    public static async Task<UpstreamProbeResult> TestAsync(string name, UpstreamOptions options, ILoggerFactory loggerFactory, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        await using var server = new UpstreamServer(name, options, new UnrecordedToolPins(), loggerFactory, timeProvider);
        return await server.TryConnectAsync(cancellationToken)
            ? new UpstreamProbeResult(true, server.ProtocolVersion, [.. server.Catalog.Tools.Select(t => t.ProtocolTool.Name)], null)
            : new UpstreamProbeResult(false, null, [], server.LastFailure);
    }
}
