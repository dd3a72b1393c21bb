namespace Switchboard.Registry;

/// <summary>
/// The servers this process exposes and the views over them: one aggregated view for <c>/mcp</c> and one view per
/// server for <c>/servers/{name}/mcp</c>.
/// </summary>
public sealed class McpServerRegistry : IDisposable
{
    private readonly Dictionary<string, McpServerView> _views;

    /// <summary>Builds the views over <paramref name="servers"/>.</summary>
    /// <exception cref="ArgumentException">Two servers share a name.</exception>
    public McpServerRegistry(IEnumerable<McpServerCatalog> servers)
    {
        ArgumentNullException.ThrowIfNull(servers);

        _views = new Dictionary<string, McpServerView>(StringComparer.Ordinal);
        var catalogs = new List<McpServerCatalog>();
        foreach (var server in servers)
        {
            if (_views.ContainsKey(server.Name))
            {
                throw new ArgumentException($"Two servers are registered under the name '{server.Name}'.", nameof(servers));
            }

            _views[server.Name] = McpServerView.Single(server);
            catalogs.Add(server);
        }

        Aggregate = McpServerView.Aggregate("gateway", catalogs);
    }

    /// <summary>Every server at once, tools and prompts namespaced.</summary>
    public McpServerView Aggregate { get; }

    /// <summary>The registered servers' names, in registration order.</summary>
    public IEnumerable<string> ServerNames => _views.Keys;

    /// <summary>Naming problems across every view; the gateway refuses to start while there are any.</summary>
    public IReadOnlyList<string> Problems =>
        [.. Aggregate.Problems.Concat(_views.Values.SelectMany(v => v.Problems)).Distinct(StringComparer.Ordinal)];

    /// <summary>Finds one server's own view.</summary>
    public bool TryGetServerView(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out McpServerView? view) =>
        _views.TryGetValue(name, out view);

    /// <inheritdoc />
    public void Dispose()
    {
        Aggregate.Dispose();
        foreach (var view in _views.Values)
        {
            view.Dispose();
        }
    }
}
