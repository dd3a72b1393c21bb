using Switchboard.Registry;

namespace Switchboard.Gateway.Hosting;

/// <summary>A server the host knows how to create; configuration decides whether it is mounted.</summary>
/// <param name="Name">The server's registry name.</param>
/// <param name="Create">Creates the server's catalog.</param>
public sealed record ServerRegistration(string Name, Func<IServiceProvider, McpServerCatalog> Create);

/// <summary>Per-server settings. Section <c>Servers:{name}</c>.</summary>
public sealed class ServerOptions
{
    /// <summary>Whether the server is mounted in the gateway.</summary>
    public bool Enabled { get; set; }
}

/// <summary>What this process serves: the whole gateway, or one server alone (<c>switchboard mcp NAME</c>).</summary>
/// <param name="StandaloneServer">The one server to serve under its own names at <c>/mcp</c>, or null for the gateway.</param>
public sealed record GatewayTopology(string? StandaloneServer = null);
