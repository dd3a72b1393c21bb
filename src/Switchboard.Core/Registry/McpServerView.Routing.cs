using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Registry;

// Requests that name a prompt or a resource go to the server that owns it, with names translated back.
public sealed partial class McpServerView
{
    /// <summary>
    /// The server and own name behind an exposed tool or prompt name: <c>{server}__{name}</c> on an aggregated view,
    /// the view's server on a single one. Says nothing about whether such a tool exists.
    /// </summary>
    public bool TryResolveName(string exposedName, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? server, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? name)
    {
        ArgumentNullException.ThrowIfNull(exposedName);
        if (_namespaced)
        {
            return Naming.McpNames.TryParseNamespaced(exposedName, out server, out name);
        }

        (server, name) = (Name, exposedName);
        return true;
    }

    /// <summary>The server in this view that owns the resource or template <paramref name="uri"/>, if any.</summary>
    public string? ServerOfResource(string uri) => Volatile.Read(ref _routes).OwnerOf(uri)?.Name;

    private static readonly CompleteResult EmptyCompletion = new() { Completion = new Completion { Values = [], Total = 0, HasMore = false } };

    private async ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        var parameters = request.Params ?? throw new McpProtocolException("completion/complete requires params.", McpErrorCode.InvalidParams);
        var routes = Volatile.Read(ref _routes);

        McpServerCatalog owner;
        Reference reference;
        switch (parameters.Ref)
        {
            case PromptReference prompt when routes.Prompts.TryGetValue(prompt.Name, out var route):
                (owner, reference) = (route.Server, new PromptReference { Name = route.Name, Title = prompt.Title });
                break;
            case PromptReference prompt:
                throw new McpProtocolException($"Unknown prompt '{prompt.Name}'.", McpErrorCode.InvalidParams);
            case ResourceTemplateReference resource:
                owner = routes.OwnerOf(resource.Uri ?? string.Empty)
                    ?? throw new McpProtocolException($"Unknown resource or template '{resource.Uri}'.", McpErrorCode.InvalidParams);
                reference = resource;
                break;
            default:
                throw new McpProtocolException("completion/complete needs a ref of type ref/prompt or ref/resource.", McpErrorCode.InvalidParams);
        }

        if (owner.CompleteHandler is not { } handler)
        {
            return EmptyCompletion;
        }

        var forwarded = new CompleteRequestParams { Ref = reference, Argument = parameters.Argument, Context = parameters.Context, Meta = parameters.Meta };
        return await handler(new RequestContext<CompleteRequestParams>(request.Server, request.JsonRpcRequest, forwarded), cancellationToken);
    }

    private ValueTask<EmptyResult> SubscribeAsync(RequestContext<SubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var owner = SubscriptionOwner(request.Params?.Uri);
        return owner.SubscribeHandler!(request, cancellationToken);
    }

    private ValueTask<EmptyResult> UnsubscribeAsync(RequestContext<UnsubscribeRequestParams> request, CancellationToken cancellationToken)
    {
        var owner = SubscriptionOwner(request.Params?.Uri);
        return owner.UnsubscribeHandler is { } handler ? handler(request, cancellationToken) : ValueTask.FromResult(new EmptyResult());
    }

    private McpServerCatalog SubscriptionOwner(string? uri)
    {
        if (string.IsNullOrEmpty(uri))
        {
            throw new McpProtocolException("A resource subscription needs a 'uri'.", McpErrorCode.InvalidParams);
        }

        var owner = Volatile.Read(ref _routes).OwnerOf(uri)
            ?? throw new McpProtocolException($"Unknown resource '{uri}'.", McpErrorCode.ResourceNotFound);
        return owner.SubscribeHandler is not null
            ? owner
            : throw new McpProtocolException($"Server '{owner.Name}' does not support subscriptions to '{uri}'.", McpErrorCode.InvalidParams);
    }

    /// <summary>Who owns what in the current build of the view; replaced whole on every refresh.</summary>
    private sealed class Routes
    {
        public static readonly Routes Empty = new();

        public Dictionary<string, (McpServerCatalog Server, string Name)> Prompts { get; } = new(StringComparer.Ordinal);

        public List<(McpServerResource Resource, McpServerCatalog Server)> Resources { get; } = [];

        public HashSet<string> Unlisted { get; } = new(StringComparer.Ordinal);

        public HashSet<string> SelfContained { get; } = new(StringComparer.Ordinal);

        // A URI template reference names the template itself; a concrete URI is matched against each template.
        public McpServerCatalog? OwnerOf(string uri) =>
            Resources.FirstOrDefault(r => r.Resource.ProtocolResourceTemplate.UriTemplate == uri).Server
            ?? Resources.FirstOrDefault(r => r.Resource.IsMatch(uri)).Server;
    }
}
