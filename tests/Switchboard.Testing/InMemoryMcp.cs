using System.IO.Pipelines;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Registry;

namespace Switchboard.Testing;

/// <summary>
/// Runs a catalog as a real MCP server over in-memory pipes and connects a real SDK client to it: the whole
/// protocol path (JSON-RPC framing, schemas, tool errors) with no HTTP.
/// </summary>
public sealed class InMemoryMcp : IAsyncDisposable
{
    private readonly McpServer _server;
    private readonly Task _serverRun;
    private readonly CancellationTokenSource _stop = new();

    private InMemoryMcp(McpServer server, McpClient client)
    {
        _server = server;
        Client = client;
        _serverRun = server.RunAsync(_stop.Token);
    }

    /// <summary>The connected client.</summary>
    public McpClient Client { get; private set; } = null!;

    /// <summary>Serves <paramref name="catalog"/> under its own names and connects a client to it.</summary>
    public static Task<InMemoryMcp> ConnectAsync(McpServerCatalog catalog, McpClientOptions? clientOptions = null, CancellationToken cancellationToken = default) =>
        ConnectAsync(McpServerView.Single(catalog), clientOptions, cancellationToken);

    /// <summary>Serves <paramref name="view"/> and connects a client to it.</summary>
    public static async Task<InMemoryMcp> ConnectAsync(McpServerView view, McpClientOptions? clientOptions = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(view);
        var clientToServer = new Pipe();
        var serverToClient = new Pipe();

        var options = new McpServerOptions();
        view.ApplyTo(options);
        var server = McpServer.Create(
            new StreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream()),
            options,
            NullLoggerFactory.Instance);

        var session = new InMemoryMcp(server, null!);
        session.Client = await McpClient.CreateAsync(
            new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream()),
            clientOptions,
            cancellationToken: cancellationToken);
        return session;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await _stop.CancelAsync();
        await _server.DisposeAsync();
        try
        {
            await _serverRun;
        }
        catch (OperationCanceledException)
        {
            // The server loop ends by cancellation.
        }

        _stop.Dispose();
    }
}
