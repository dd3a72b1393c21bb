using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Tools;
using Switchboard.Upstreams.Sessions;
using Switchboard.Upstreams.Tasks;

namespace Switchboard.Upstreams.Catalog;

/// <summary>
/// An upstream's tool as the registry shows it: its definition verbatim but for the name it is exposed under (see
/// <see cref="ToolNaming"/>), its calls forwarded to the upstream under <paramref name="upstreamName"/>. Its metadata
/// carries the task support the upstream lists for it, so a caller's task for it becomes the gateway's own task.
/// </summary>
internal sealed class ForwardedTool(UpstreamServer upstream, Tool definition, string upstreamName) : McpServerTool
{
    public override Tool ProtocolTool => definition;

    public override IReadOnlyList<object> Metadata => upstream.TaskMetadataFor(upstreamName);

    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        // The caller asked the gateway for a task: the upstream is asked for one of its own, which the gateway's task follows.
        if (request.Items.TryGetValue(RemoteTaskStart.ItemKey, out var asked) && asked is RemoteTaskStart start)
        {
            return await UpstreamTaskCalls.StartAsync(upstream, upstreamName, request, start, cancellationToken);
        }

        // Called under the exposed name (server__tool on /mcp, or a rename); the upstream knows the tool by its own. Only the
        // arguments, the caller's capabilities and its answers to the upstream's questions travel: the caller's
        // other _meta speaks for the caller's session, not for the gateway's upstream one.
        return await InputRequiredBridge.CallToolAsync(upstream, upstreamName, request, cancellationToken);
    }
}
