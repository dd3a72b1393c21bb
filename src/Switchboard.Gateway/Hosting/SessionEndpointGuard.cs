using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
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
            // Only requests: their POST stays open while they are handled, so its HttpContext is still live here.
            // Notifications and responses are answered 202 at once and handled after their HttpContext is gone.
            // Only in a session: a server without one (the SDK's stateless server, a pooled one) was built or rented
            // for this very request's endpoint, so there is nothing to replay, and every sessionless tools/call
            // skips the look-up of the HttpContext and of its view.
            var request = context.JsonRpcMessage is JsonRpcRequest && context.Server.SessionId is not null
                ? context.Services?.GetService<IHttpContextAccessor>()?.HttpContext
                : null;
            if (request is not null && !ReferenceEquals(resolveView(request), sessionView))
            {
                throw new McpProtocolException(
                    $"This session was opened on the endpoint for '{sessionView.Name}'; send its messages there, or initialize a new session here.",
                    McpErrorCode.InvalidRequest);
            }

            return next(context, cancellationToken);
        };
}
