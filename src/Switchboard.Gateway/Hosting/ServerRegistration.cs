using Switchboard.Registry;

namespace Switchboard.Gateway.Hosting;

/// <summary>A server the host knows how to create; configuration decides whether it is mounted.</summary>
/// <param name="Name">The server's registry name.</param>
/// <param name="Create">Creates the server's catalog.</param>
/// <param name="Remote">
/// A remote server from configuration (<c>Servers:{name}:Url</c> or <c>Command</c>): mounted without
/// <c>Enabled</c>, since configuring its address already says to mount it.
/// </param>
public sealed record ServerRegistration(string Name, Func<IServiceProvider, McpServerCatalog> Create, bool Remote = false);

/// <summary>Per-server settings. Section <c>Servers:{name}</c>.</summary>
public sealed class ServerOptions
{
    /// <summary>Whether the server is mounted in the gateway.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// Makes this a virtual server: the tools listed here as <c>server/tool</c> (built-in or remote, by the name their
    /// own server exposes) served together at <c>/servers/{name}/mcp</c>, each decided on by policy as the underlying
    /// server's tool.
    /// </summary>
    public List<string> Compose { get; set; } = [];
}

/// <summary>What this process serves: the whole gateway, or one server alone (<c>switchboard mcp NAME</c>).</summary>
/// <param name="StandaloneServer">The one server to serve under its own names at <c>/mcp</c>, or null for the gateway.</param>
/// <param name="WorkerOnly">Run jobs and serve only the health probes (<c>switchboard worker</c>): no MCP endpoint, no admin API.</param>
public sealed record GatewayTopology(string? StandaloneServer = null, bool WorkerOnly = false);
