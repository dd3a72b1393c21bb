using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Upstreams.Sessions;

namespace Switchboard.Upstreams.Catalog;

/// <summary>
/// An upstream's tool as the registry shows it: its definition verbatim but for the name it is exposed under (see
/// <see cref="ToolNaming"/>), its calls forwarded to the upstream under <paramref name="upstreamName"/>.
/// </summary>
internal sealed class ForwardedTool(UpstreamServer upstream, Tool definition, string upstreamName) : McpServerTool
{
    public override Tool ProtocolTool => definition;

    public override IReadOnlyList<object> Metadata => [];

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        // Called under the exposed name (server__tool on /mcp, or a rename); the upstream knows the tool by its own. Only the
        // arguments, the caller's capabilities and its answers to the upstream's questions travel: the caller's
        // other _meta speaks for the caller's session, not for the gateway's upstream one.
        return await InputRequiredBridge.CallToolAsync(upstream, upstreamName, request, cancellationToken);
    }
}
