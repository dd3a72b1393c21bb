using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Gateway.Hosting;

/// <summary>
/// Makes a session client's cancellation reach the request it cancels, whichever way it comes (issue 10: "client
/// <c>notifications/cancelled</c> and client disconnects become upstream cancellations"). In a session the SDK runs
/// a request on the session, not on its POST, so two cancellations were lost and the request ran on until its
/// timeout:
/// <list type="bullet">
/// <item>The client closes the POST before the response (what the C# SDK client does when its call is cancelled: it
/// sends no <c>notifications/cancelled</c> for a request whose POST is still open). The request's token now follows
/// the POST's <see cref="HttpContext.RequestAborted"/>, as a sessionless request's already does. A session client
/// that meant to resume the stream with <c>Last-Event-ID</c> finds that request cancelled.</item>
/// <item>The <c>notifications/cancelled</c> arrives before its request: they are separate POSTs, and under load the
/// request's may be read after the notification's, which the SDK ignores for an id it does not know. Such an id is
/// remembered (a few, per session) and its request is cancelled as it arrives.</item>
/// </list>
/// One instance per session.
/// </summary>
internal sealed class SessionRequestCancellation
{
    // Ids cancelled before their request arrived; a client that sends junk ids cannot grow this past the cap.
    private const int MaxEarlyCancellations = 64;

    private readonly Lock _lock = new();
    private readonly HashSet<RequestId> _handling = [];
    private readonly Queue<RequestId> _cancelledEarly = new();

    public McpMessageFilter Filter => next => (context, cancellationToken) => context.JsonRpcMessage switch
    {
        JsonRpcRequest request when context.Server.SessionId is not null => HandleAsync(next, context, request.Id, cancellationToken),
        JsonRpcNotification { Method: NotificationMethods.CancelledNotification } notification => Noted(next, context, notification, cancellationToken),
        _ => next(context, cancellationToken),
    };

    private async Task HandleAsync(McpMessageHandler next, MessageContext context, RequestId id, CancellationToken cancellationToken)
    {
        bool cancelledEarly;
        lock (_lock)
        {
            _handling.Add(id);
            cancelledEarly = _cancelledEarly.Contains(id);
        }

        try
        {
            // Only requests get here: their POST stays open while they are handled, so its HttpContext is live.
            var post = context.Services?.GetService<IHttpContextAccessor>()?.HttpContext;
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, post?.RequestAborted ?? CancellationToken.None);
            if (cancelledEarly)
            {
                await linked.CancelAsync();
            }

            await next(context, linked.Token);
        }
        finally
        {
            lock (_lock)
            {
                _handling.Remove(id);
            }
        }
    }

    private Task Noted(McpMessageHandler next, MessageContext context, JsonRpcNotification notification, CancellationToken cancellationToken)
    {
        if (notification.Params?["requestId"] is { } idNode
            && idNode.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<RequestId>()) is { Id: not null } id)
        {
            lock (_lock)
            {
                // A request being handled is cancelled by the SDK itself; only an id it has not seen is kept.
                if (!_handling.Contains(id) && !_cancelledEarly.Contains(id))
                {
                    if (_cancelledEarly.Count == MaxEarlyCancellations)
                    {
                        _cancelledEarly.Dequeue();
                    }

                    _cancelledEarly.Enqueue(id);
                }
            }
        }

        return next(context, cancellationToken);
    }
}
