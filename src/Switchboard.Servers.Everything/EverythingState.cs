using System.Runtime.CompilerServices;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Everything;

/// <summary>The mutable part of the everything server: the dynamic tool, the watched resource and who subscribed to it.</summary>
internal sealed class EverythingState
{
    public const string WatchedResourceUri = "test://watched-resource";
    public const string DynamicToolName = "test_dynamic_tool";

    // Keyed weakly by session so that a session that ends takes its subscriptions with it.
    private readonly ConditionalWeakTable<McpServer, HashSet<string>> _subscriptions = [];
    private readonly Lock _lock = new();
    private string _watchedResourceText = "Initial content of the watched resource.";

    /// <summary>The catalog's tool collection, which the dynamic tool joins and leaves.</summary>
    public McpServerPrimitiveCollection<McpServerTool>? Tools { get; set; }

    public string WatchedResourceText => Volatile.Read(ref _watchedResourceText);

    public bool ToggleDynamicTool()
    {
        var tools = Tools ?? throw new InvalidOperationException("The everything server's catalog is not attached.");
        lock (_lock)
        {
            if (tools.TryGetPrimitive(DynamicToolName, out var existing))
            {
                tools.Remove(existing);
                return false;
            }

            tools.Add(McpServerTool.Create(() => "The dynamic tool ran.", new McpServerToolCreateOptions
            {
                Name = DynamicToolName,
                Description = "A tool that comes and goes with test_toggle_dynamic_tool.",
                ReadOnly = true,
            }));
            return true;
        }
    }

    public async Task<string> UpdateWatchedResourceAsync(string text, CancellationToken cancellationToken)
    {
        Volatile.Write(ref _watchedResourceText, text);

        List<McpServer> subscribers = [];
        lock (_lock)
        {
            foreach (var (session, uris) in _subscriptions)
            {
                if (uris.Contains(WatchedResourceUri))
                {
                    subscribers.Add(session);
                }
            }
        }

        foreach (var session in subscribers)
        {
            await session.SendNotificationAsync(
                NotificationMethods.ResourceUpdatedNotification,
                new ResourceUpdatedNotificationParams { Uri = WatchedResourceUri },
                cancellationToken: cancellationToken);
        }

        return $"Updated {WatchedResourceUri}; notified {subscribers.Count} subscriber(s).";
    }

    public ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        string uri = RequireSession(request.Server, request.Params?.Uri);
        lock (_lock)
        {
            _subscriptions.GetOrCreateValue(request.Server).Add(uri);
        }

        return ValueTask.FromResult(new EmptyResult());
    }

    public ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        string uri = RequireSession(request.Server, request.Params?.Uri);
        lock (_lock)
        {
            if (_subscriptions.TryGetValue(request.Server, out var uris))
            {
                uris.Remove(uri);
            }
        }

        return ValueTask.FromResult(new EmptyResult());
    }

    private static string RequireSession(McpServer server, string? uri)
    {
        if (server.SessionId is null)
        {
            // Without a session there is no channel to deliver notifications/resources/updated on.
            throw new McpProtocolException("Resource subscriptions need a session: connect with the initialize handshake.", McpErrorCode.InvalidRequest);
        }

        return uri ?? throw new McpProtocolException("A resource subscription needs a 'uri'.", McpErrorCode.InvalidParams);
    }
}
