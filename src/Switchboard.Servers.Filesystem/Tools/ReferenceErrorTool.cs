using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>
/// Gives tool errors the reference server's exact text. The SDK reports an <see cref="McpException"/> thrown by a
/// tool as "An error occurred invoking 'name': message"; the reference returns the bare message ("ENOENT: no such
/// file or directory, open '…'", "Access denied - …"), and clients match on it.
/// </summary>
internal sealed class ReferenceErrorTool(McpServerTool innerTool) : DelegatingMcpServerTool(innerTool)
{
    /// <inheritdoc />
    public override async ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        try
        {
            return await base.InvokeAsync(request, cancellationToken);
        }
        catch (McpException exception) when (exception.GetType() == typeof(McpException))
        {
            // Only tool failures (ToolFailure throws plain McpException); protocol errors stay JSON-RPC errors.
            return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = exception.Message }] };
        }
    }
}
