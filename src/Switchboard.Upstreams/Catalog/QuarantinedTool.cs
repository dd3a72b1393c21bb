using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Errors;
using Switchboard.Registry;

namespace Switchboard.Upstreams.Catalog;

/// <summary>
/// An upstream tool whose definition changed since it was pinned: left out of <c>tools/list</c>, and a call by name is
/// refused with <see cref="SwitchboardErrorCodes.ToolQuarantined"/> until an administrator approves the change.
/// </summary>
internal sealed class QuarantinedTool(string server, Tool definition, string upstreamName) : McpServerTool, IUnlistedTool
{
    public override Tool ProtocolTool => definition;

    public override IReadOnlyList<object> Metadata => [];

    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        var error = new McpProtocolException(
            $"The tool '{upstreamName}' of server '{server}' is quarantined: its definition changed since it was approved. An administrator must review and approve it ('switchboard servers approve {server} --tool {upstreamName}').",
            SwitchboardErrorCodes.ToolQuarantined);
        error.Data["server"] = server;
        error.Data["tool"] = upstreamName;
        error.Data["reason"] = "quarantined";
        throw error;
    }
}
