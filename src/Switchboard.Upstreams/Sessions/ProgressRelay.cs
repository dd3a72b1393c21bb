using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Upstreams.Sessions;

/// <summary>
/// Carries <c>notifications/progress</c> of a forwarded request back to the caller that asked for progress. The
/// upstream gets a token of the gateway's own, unique in this process, so notifications on a connection every caller
/// shares still reach the right one; the caller sees its own token. Notifications are taken as they arrive, in order,
/// by <see cref="InputRequiredPassThroughTransport"/> (the SDK client runs its handlers concurrently, so one could
/// otherwise be sent after the response), and the call waits until they are sent before it answers.
/// </summary>
internal static class ProgressRelay
{
    private static readonly ConcurrentDictionary<string, Waiter> Waiting = new(StringComparer.Ordinal);

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
        var waiter = new Waiter(callerServer, token);
        Waiting[ours] = waiter;
        (forwarded.Meta ??= [])["progressToken"] = ours;
        return new Registration(ours, waiter);
    }

    /// <summary>Relays <paramref name="message"/> when it is a progress notification with one of our tokens.</summary>
    public static void Observe(JsonRpcMessage message)
    {
        if (message is JsonRpcNotification { Method: NotificationMethods.ProgressNotification, Params: JsonObject parameters }
            && parameters["progressToken"] is JsonValue token && token.TryGetValue(out string? ours)
            && Waiting.TryGetValue(ours, out var waiter)
            && parameters.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<ProgressNotificationParams>()) is { } progress)
        {
            waiter.Enqueue(progress.Progress);
        }
    }

    internal sealed class Waiter(McpServer caller, ProgressToken token)
    {
        private readonly Lock _lock = new();

        public Task Sent { get; private set; } = Task.CompletedTask;

        public void Enqueue(ProgressNotificationValue value)
        {
            lock (_lock)
            {
                Sent = SendAfterAsync(Sent, value);
            }
        }

        private async Task SendAfterAsync(Task previous, ProgressNotificationValue value)
        {
            await previous;
            try
            {
                await caller.NotifyProgressAsync(new ProgressNotificationParams { ProgressToken = token, Progress = value });
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The caller is gone or its stream ended: progress is best effort.
            }
        }
    }

    /// <summary>Stops relaying one request's progress, once what arrived is sent.</summary>
    public readonly struct Registration : IAsyncDisposable
    {
        private readonly string? _token;
        private readonly Waiter? _waiter;

        internal Registration(string token, Waiter waiter) => (_token, _waiter) = (token, waiter);

        public async ValueTask DisposeAsync()
        {
            if (_token is not null)
            {
                Waiting.TryRemove(_token, out _);
                await _waiter!.Sent;
            }
        }
    }
}
