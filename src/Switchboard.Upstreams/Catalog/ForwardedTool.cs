using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

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
        // arguments travel: the caller's _meta speaks for the caller's session, not for the gateway's upstream one.
        var forwarded = new CallToolRequestParams { Name = upstreamName, Arguments = request.Params?.Arguments };
        return await upstream.CallToolAsync(forwarded, cancellationToken);
    }
}
