using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Naming;

namespace Switchboard.Registry;

/// <summary>
/// What one MCP endpoint shows its clients: either every registered server at once, with tools and prompts namespaced
/// as <c>{server}__{name}</c> (the aggregated <c>/mcp</c>), or a single server under its own names
/// (<c>/servers/{name}/mcp</c>, <c>switchboard mcp NAME</c>).
/// </summary>
/// <remarks>
/// A view owns the collections handed to every session on its endpoint and keeps them in step with the catalogs it
/// is built on, so a change in one server reaches connected clients as a <c>list_changed</c> notification. Resource
/// URIs are never rewritten: a URI names the same thing on every endpoint.
/// </remarks>
public sealed partial class McpServerView : IDisposable
{
    private McpServerCatalog[] _servers;
    private readonly bool _namespaced;
    // For a virtual server: the "server/tool" pairs it shows; null for every other view.
    private readonly IReadOnlySet<string>? _composed;
    private readonly Lock _refreshLock = new();
    private IReadOnlyList<string> _problems = [];
    private Routes _routes = Routes.Empty;
    private readonly CancellationTokenSource _retired = new();

    private McpServerView(string name, McpServerCatalog[] servers, bool namespaced, IReadOnlySet<string>? composed = null)
    {
        Name = name;
        _servers = servers;
        _namespaced = namespaced;
        _composed = composed;

        Refresh();
        Subscribe(_servers);
    }

    /// <summary>The view every registered server contributes to, with namespaced tool and prompt names.</summary>
    public static McpServerView Aggregate(string name, IEnumerable<McpServerCatalog> servers) => new(name, [.. servers], namespaced: true);

    /// <summary>One server's view, under its own names.</summary>
    public static McpServerView Single(McpServerCatalog server) => new(server.Name, [server], namespaced: false);

    /// <summary>
    /// A virtual server: the tools named in <paramref name="tools"/> (<c>server/tool</c>, the tool by its exposed name on
    /// its own server) of <paramref name="servers"/>, as one endpoint. Names are namespaced as on <c>/mcp</c>, so every
    /// request resolves to the underlying server and tool and policy decides on those: a virtual server never widens
    /// access. Tools only; a tool whose server is not mounted is simply absent until it is.
    /// </summary>
    public static McpServerView Virtual(string name, IEnumerable<McpServerCatalog> servers, IEnumerable<string> tools) =>
        new(name, [.. servers], namespaced: true, tools.ToHashSet(StringComparer.Ordinal));

    /// <summary>Whether this is a virtual server's view (<see cref="Virtual"/>).</summary>
    public bool IsVirtual => _composed is not null;

    /// <summary>The view's name: the server's for a single-server view.</summary>
    public string Name { get; }

    /// <summary>Cancelled when the view is retired (its server unmounted): what was built for it can be let go.</summary>
    public CancellationToken Retired => _retired.Token;

    /// <summary>The servers this view shows.</summary>
    public IReadOnlyList<McpServerCatalog> Servers => Volatile.Read(ref _servers);

    /// <summary>The tools under their exposed names.</summary>
    public McpServerPrimitiveCollection<McpServerTool> Tools { get; } = [];

    /// <summary>The resources and resource templates of every server in the view.</summary>
    public McpServerResourceCollection Resources { get; } = [];

    /// <summary>The prompts under their exposed names.</summary>
    public McpServerPrimitiveCollection<McpServerPrompt> Prompts { get; } = [];

    /// <summary>
    /// Naming problems found when the view was last built: an exposed name that breaks the naming rules, or two
    /// servers claiming the same name or resource URI. The later claimant is left out, never silently overwrites.
    /// </summary>
    public IReadOnlyList<string> Problems => Volatile.Read(ref _problems);

    /// <summary>
    /// Whether the tool exposed as <paramref name="exposedName"/> is listed: false for a tool that answers calls but is
    /// left out of <c>tools/list</c> (<see cref="IUnlistedTool"/>).
    /// </summary>
    public bool IsListed(string exposedName) => !Volatile.Read(ref _routes).Unlisted.Contains(exposedName);

    /// <summary>Whether the tool exposed as <paramref name="exposedName"/> belongs to a <see cref="McpServerCatalog.SelfContained"/> server.</summary>
    public bool IsSelfContained(string exposedName) => Volatile.Read(ref _routes).SelfContained.Contains(exposedName);

    /// <summary>
    /// Points <paramref name="options"/> at this view: its name as <c>serverInfo</c>, its primitives, and the
    /// handlers that route to the owning server.
    /// </summary>
    public void ApplyTo(McpServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);

        options.ServerInfo = new Implementation { Name = Name, Title = ProductInfo.Title, Version = ProductInfo.Version };
        options.ToolCollection = Tools;
        options.ResourceCollection = Resources;
        options.PromptCollection = Prompts;

        var handlers = options.Handlers;
        handlers.CompleteHandler = CompleteAsync;
        // Every view accepts logging/setLevel: any tool may log to the session, and the SDK records the level.
        handlers.SetLoggingLevelHandler = static (_, _) => ValueTask.FromResult(new EmptyResult());
        if (_servers.Any(s => s.SubscribeHandler is not null))
        {
            handlers.SubscribeToResourcesHandler = SubscribeAsync;
            handlers.UnsubscribeFromResourcesHandler = UnsubscribeAsync;
            // The SDK does not infer this flag from the handler; without it clients never learn they may subscribe.
            var capabilities = options.Capabilities ??= new ServerCapabilities();
            (capabilities.Resources ??= new ResourcesCapability()).Subscribe = true;
        }
    }

    /// <inheritdoc />
    public void Dispose() => Unsubscribe(Volatile.Read(ref _servers));

    /// <summary>Shows <paramref name="servers"/> from now on; sessions on the view get <c>list_changed</c>.</summary>
    internal void ReplaceServers(McpServerCatalog[] servers)
    {
        lock (_refreshLock)
        {
            Unsubscribe(_servers);
            Volatile.Write(ref _servers, servers);
            Subscribe(servers);
            Refresh();
        }
    }

    /// <summary>Stops following the view's servers and empties it, so sessions still open on it see nothing left.</summary>
    internal void Retire()
    {
        Dispose();
        lock (_refreshLock)
        {
            Volatile.Write(ref _servers, []);
            Refresh();
        }

        _retired.Cancel();
    }

    private void Subscribe(McpServerCatalog[] servers)
    {
        foreach (var server in servers)
        {
            server.Tools.Changed += OnCatalogChanged;
            server.Resources.Changed += OnCatalogChanged;
            server.Prompts.Changed += OnCatalogChanged;
        }
    }

    private void Unsubscribe(McpServerCatalog[] servers)
    {
        foreach (var server in servers)
        {
            server.Tools.Changed -= OnCatalogChanged;
            server.Resources.Changed -= OnCatalogChanged;
            server.Prompts.Changed -= OnCatalogChanged;
        }
    }

    private void OnCatalogChanged(object? sender, EventArgs e) => Refresh();

    private void Refresh()
    {
        lock (_refreshLock)
        {
            var problems = new List<string>();
            var routes = new Routes();
            List<McpServerTool> tools = [];
            List<McpServerPrompt> prompts = [];
            List<McpServerResource> resources = [];
            using (Tools.DeferChangedEvents())
            using (Prompts.DeferChangedEvents())
            using (Resources.DeferChangedEvents())
            {
                var toolOwners = new Dictionary<string, string>(StringComparer.Ordinal);
                var promptOwners = new Dictionary<string, string>(StringComparer.Ordinal);
                var resourceOwners = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var server in _servers)
                {
                    foreach (var tool in server.Tools)
                    {
                        if (_composed is not null && !_composed.Contains($"{server.Name}/{tool.ProtocolTool.Name}"))
                        {
                            continue;
                        }

                        string exposed = ExposedName(server, tool.ProtocolTool.Name);
                        if (Admit("tool", server, tool.ProtocolTool.Name, exposed, toolOwners, problems))
                        {
                            tools.Add(_namespaced ? Namespaced(exposed, tool) : tool);
                            if (tool is IUnlistedTool)
                            {
                                routes.Unlisted.Add(exposed);
                            }

                            if (server.SelfContained)
                            {
                                routes.SelfContained.Add(exposed);
                            }
                        }
                    }

                    if (_composed is not null)
                    {
                        continue; // a virtual server composes tools only
                    }

                    foreach (var prompt in server.Prompts)
                    {
                        string exposed = ExposedName(server, prompt.ProtocolPrompt.Name);
                        if (Admit("prompt", server, prompt.ProtocolPrompt.Name, exposed, promptOwners, problems))
                        {
                            prompts.Add(_namespaced ? Namespaced(exposed, prompt) : prompt);
                            routes.Prompts[exposed] = (server, prompt.ProtocolPrompt.Name);
                        }
                    }

                    foreach (var resource in server.Resources)
                    {
                        string uri = resource.ProtocolResourceTemplate.UriTemplate;
                        if (resourceOwners.TryGetValue(uri, out var owner))
                        {
                            problems.Add($"Resource '{uri}' of server '{server.Name}' is left out: server '{owner}' already exposes that URI.");
                            continue;
                        }

                        resourceOwners[uri] = server.Name;
                        resources.Add(resource);
                        routes.Resources.Add((resource, server));
                    }
                }

                Reconcile(Tools, tools);
                Reconcile(Prompts, prompts);
                Reconcile(Resources, resources);
            }

            Volatile.Write(ref _problems, problems);
            Volatile.Write(ref _routes, routes);
        }
    }

    // The wrapper already shown for this server's tool under this name, so that an unchanged tool stays the same object.
    private McpServerTool Namespaced(string exposed, McpServerTool tool) =>
        Tools.TryGetPrimitive(exposed, out var shown) && shown is NamespacedTool { Inner: var inner } && ReferenceEquals(inner, tool)
            ? shown
            : new NamespacedTool(exposed, tool);

    private McpServerPrompt Namespaced(string exposed, McpServerPrompt prompt) =>
        Prompts.TryGetPrimitive(exposed, out var shown) && shown is NamespacedPrompt { Inner: var inner } && ReferenceEquals(inner, prompt)
            ? shown
            : new NamespacedPrompt(exposed, prompt);

    // Brings target to exactly wanted in place. Requests read these collections without the refresh lock, so a
    // primitive that stays must never be absent, not even between a Clear and an Add: otherwise a call made while
    // another server's catalog changes (a prompt list arriving) would find a listed tool unknown. One replaced by
    // another of its name (a server replaced after an edit) is absent only between its Remove and the Add after it:
    // the collection cannot swap an entry.
    private static void Reconcile<T>(McpServerPrimitiveCollection<T> target, List<T> wanted)
        where T : IMcpServerPrimitive
    {
        var wantedById = wanted.ToDictionary(p => p.Id, StringComparer.Ordinal);
        foreach (var shown in target.ToArray())
        {
            if (!wantedById.TryGetValue(shown.Id, out var keep))
            {
                target.Remove(shown);
            }
            else if (!ReferenceEquals(keep, shown))
            {
                target.Remove(shown);
                target.Add(keep);
            }
        }

        foreach (var primitive in wanted)
        {
            if (!target.TryGetPrimitive(primitive.Id, out _))
            {
                target.Add(primitive);
            }
        }
    }

    private string ExposedName(McpServerCatalog server, string name) => _namespaced ? McpNames.Namespaced(server.Name, name) : name;

    private static bool Admit(string kind, McpServerCatalog server, string name, string exposed, Dictionary<string, string> owners, List<string> problems)
    {
        if (!McpNames.IsValidExposedName(exposed))
        {
            problems.Add(
                $"The {kind} '{name}' of server '{server.Name}' is left out: its exposed name '{exposed}' must match ^[a-zA-Z0-9_-]{{1,{McpNames.MaxExposedNameLength}}}$.");
            return false;
        }

        if (owners.TryGetValue(exposed, out var owner))
        {
            problems.Add($"The {kind} '{name}' of server '{server.Name}' is left out: '{exposed}' is already exposed by server '{owner}'.");
            return false;
        }

        owners[exposed] = server.Name;
        return true;
    }
}
