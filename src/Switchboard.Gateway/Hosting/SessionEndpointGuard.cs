using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using Switchboard.Registry;

namespace Switchboard.Gateway.Hosting;

/// <summary>
/// Keeps a session on the endpoint that opened it. The SDK finds sessions by id alone, so without this a session
/// opened on <c>/servers/a/mcp</c> could be replayed against <c>/mcp</c> (or the reverse) and be served the view
/// it was created with under the other endpoint's name.
/// </summary>
internal static class SessionEndpointGuard
{
    public static McpMessageFilter For(McpServerView sessionView, Func<HttpContext, McpServerView> resolveView) =>
        next => (context, cancellationToken) =>
        {
            var request = context.Services?.GetService<IHttpContextAccessor>()?.HttpContext;
            if (request is not null && !ReferenceEquals(resolveView(request), sessionView))
            {
                throw new McpProtocolException(
                    $"This session was opened on the endpoint for '{sessionView.Name}'; send its messages there, or initialize a new session here.",
                    McpErrorCode.InvalidRequest);
            }

            return next(context, cancellationToken);
        };
}
