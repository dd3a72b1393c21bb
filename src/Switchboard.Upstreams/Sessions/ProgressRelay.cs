using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Upstreams.Sessions;

/// <summary>
/// Carries <c>notifications/progress</c> of a forwarded request back to the caller that asked for progress. The
/// upstream gets a token of the gateway's own, unique in this process, so notifications on a client every caller
/// shares still reach the right one; the caller sees its own token.
/// </summary>
internal static class ProgressRelay
{
    private static readonly ConcurrentDictionary<string, (McpServer Caller, ProgressToken Token)> Waiting = new(StringComparer.Ordinal);

    /// <summary>Relays the progress notifications <paramref name="client"/> receives to the callers that wait for them.</summary>
    public static IAsyncDisposable Watch(McpClient client) =>
        client.RegisterNotificationHandler(NotificationMethods.ProgressNotification, static async (notification, cancellationToken) =>
        {
            if (notification.Params?.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<ProgressNotificationParams>()) is { } progress
                && progress.ProgressToken.Token is string ours
                && Waiting.TryGetValue(ours, out var caller))
            {
                await caller.Caller.NotifyProgressAsync(new ProgressNotificationParams { ProgressToken = caller.Token, Progress = progress.Progress }, cancellationToken);
            }
        });

    /// <summary>
    /// When the caller asked for progress, gives <paramref name="forwarded"/> a token of ours that relays to it until
    /// the returned registration is disposed; otherwise does nothing.
    /// </summary>
    public static Registration Relay(RequestParams? caller, McpServer callerServer, RequestParams forwarded)
    {
        if (caller?.ProgressToken is not { } token)
        {
            return default;
        }

        string ours = $"switchboard-{Guid.NewGuid():N}";
        Waiting[ours] = (callerServer, token);
        (forwarded.Meta ??= [])["progressToken"] = ours;
        return new Registration(ours);
    }

    /// <summary>Stops relaying one request's progress.</summary>
    public readonly struct Registration(string? token) : IDisposable
    {
        public void Dispose()
        {
            if (token is not null)
            {
                Waiting.TryRemove(token, out _);
            }
        }
    }
}
