using System.Diagnostics.CodeAnalysis;

namespace Switchboard.Registry;

/// <summary>
/// The servers this process exposes and the views over them: one aggregated view for <c>/mcp</c> and one view per
/// server for <c>/servers/{name}/mcp</c>. Servers can be mounted and unmounted while sessions are open; those sessions
/// get <c>list_changed</c> notifications.
/// </summary>
public sealed class McpServerRegistry : IDisposable
{
    private readonly Lock _lock = new();
    private Dictionary<string, McpServerView> _views;
    // Virtual servers follow the mounted servers: each shows its selection of whatever is mounted now.
    private readonly List<McpServerView> _virtuals = [];

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
    public IEnumerable<string> ServerNames => Volatile.Read(ref _views).Keys;

    /// <summary>Naming problems across every view.</summary>
    public IReadOnlyList<string> Problems =>
        [.. Aggregate.Problems.Concat(Volatile.Read(ref _views).Values.SelectMany(v => v.Problems)).Distinct(StringComparer.Ordinal)];

    /// <summary>Finds one server's own view.</summary>
    public bool TryGetServerView(string name, [NotNullWhen(true)] out McpServerView? view) =>
        Volatile.Read(ref _views).TryGetValue(name, out view);

    /// <summary>Adds <paramref name="server"/> to <c>/mcp</c> and opens <c>/servers/{name}/mcp</c> for it.</summary>
    /// <returns>False, changing nothing, when a server of that name is mounted already.</returns>
    public bool TryMount(McpServerCatalog server)
    {
        ArgumentNullException.ThrowIfNull(server);
        lock (_lock)
        {
            if (_views.ContainsKey(server.Name))
            {
                return false;
            }

            // Copied, not changed in place: readers take the dictionary without the lock.
            Volatile.Write(ref _views, new Dictionary<string, McpServerView>(_views, StringComparer.Ordinal) { [server.Name] = McpServerView.Single(server) });
            Aggregate.ReplaceServers([.. Aggregate.Servers, server]);
            FollowMountedServers();
            return true;
        }
    }

    /// <summary>
    /// Opens <c>/servers/{name}/mcp</c> for a virtual server: the <paramref name="tools"/> (<c>server/tool</c>) of the
    /// servers mounted now and later (see <see cref="McpServerView.Virtual"/>). It is not part of <c>/mcp</c>.
    /// </summary>
    /// <returns>False, changing nothing, when a server of that name is mounted already.</returns>
    public bool TryMountVirtual(string name, IReadOnlyCollection<string> tools)
    {
        ArgumentNullException.ThrowIfNull(tools);
        lock (_lock)
        {
            if (_views.ContainsKey(name))
            {
                return false;
            }

            var view = McpServerView.Virtual(name, Aggregate.Servers, tools);
            _virtuals.Add(view);
            Volatile.Write(ref _views, new Dictionary<string, McpServerView>(_views, StringComparer.Ordinal) { [name] = view });
            return true;
        }
    }

    private void FollowMountedServers()
    {
        foreach (var view in _virtuals)
        {
            view.ReplaceServers([.. Aggregate.Servers]);
        }
    }

    /// <summary>
    /// Shows <paramref name="server"/> in place of the mounted server of its name, on <c>/mcp</c> and on its own
    /// endpoint, whose sessions stay open and are told when the tools changed.
    /// </summary>
    /// <exception cref="InvalidOperationException">No server of that name is mounted, or it is a virtual server.</exception>
    public void Replace(McpServerCatalog server)
    {
        ArgumentNullException.ThrowIfNull(server);
        lock (_lock)
        {
            if (!_views.TryGetValue(server.Name, out var view) || view.IsVirtual)
            {
                throw new InvalidOperationException($"No server named '{server.Name}' is mounted to be replaced.");
            }

            view.ReplaceServers([server]);
            Aggregate.ReplaceServers([.. Aggregate.Servers.Select(s => s.Name == server.Name ? server : s)]);
            FollowMountedServers();
        }
    }

    /// <summary>Takes the server <paramref name="name"/> off <c>/mcp</c> and closes its own endpoint.</summary>
    /// <returns>False when no such server is mounted.</returns>
    public bool Unmount(string name)
    {
        lock (_lock)
        {
            if (!_views.TryGetValue(name, out var view))
            {
                return false;
            }

            var remaining = new Dictionary<string, McpServerView>(_views, StringComparer.Ordinal);
            remaining.Remove(name);
            Volatile.Write(ref _views, remaining);
            Aggregate.ReplaceServers([.. Aggregate.Servers.Where(s => s.Name != name)]);
            _virtuals.Remove(view);
            FollowMountedServers();
            view.Retire();
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Aggregate.Dispose();
        foreach (var view in Volatile.Read(ref _views).Values)
        {
            view.Dispose();
        }
    }
}
