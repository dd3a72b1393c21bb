using System.ComponentModel;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Server;
using Switchboard.Gateway.Tests.Interop;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// The upstream session a session client gets on a remote server ends with the client's own session: when the client
/// DELETEs it, and when the gateway ends it for idleness. Against a real, session-keeping MCP server that counts its
/// open sessions; the gateway is the published executable.
/// </summary>
public sealed class UpstreamSessionLifetimeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClientDeletesItsSession_UpstreamSessionIsClosed()
    {
        await using var upstream = await SessionCountingUpstream.StartAsync();
        await using var gateway = await PublishedGateway.StartServeAsync($"--Servers:counted:Url={upstream.Url}", "--Servers:counted:Pinning=Off");
        await WaitForToolAsync(gateway);
        int common = upstream.OpenSessions; // the gateway's own connection, shared by sessionless callers

        var client = await gateway.ConnectAsync("/mcp", "2025-06-18");
        await client.CallToolAsync("counted__echo", new Dictionary<string, object?> { ["text"] = "hi" }, cancellationToken: Ct);
        int during = upstream.OpenSessions;
        await client.DisposeAsync(); // DELETE with its Mcp-Session-Id

        Assert.Equal(common + 1, during);
        await Poll.UntilAsync(() => upstream.OpenSessions == common, Patience, $"the upstream session outlived the client's: {upstream.OpenSessions} open");
    }

    [Fact]
    public async Task GatewayEndsAnIdleSession_UpstreamSessionIsClosed()
    {
        await using var upstream = await SessionCountingUpstream.StartAsync();
        await using var gateway = await PublishedGateway.StartServeAsync(
            $"--Servers:counted:Url={upstream.Url}", "--Servers:counted:Pinning=Off", "--Gateway:SessionIdleTimeout=00:00:02");
        await WaitForToolAsync(gateway);
        int common = upstream.OpenSessions;

        // Raw POSTs: the SDK client would hold a GET stream open, and a session with an open stream is not idle.
        using var http = new HttpClient();
        string session = await gateway.InitializeSessionAsync(http, "2025-06-18");
        var echo = PublishedGatewayClients.Request(2, "tools/call", new JsonObject { ["name"] = "counted__echo", ["arguments"] = new JsonObject { ["text"] = "hi" } });
        using (var call = gateway.Post("/mcp", echo, "2025-06-18", session))
        using (var answer = await http.SendAsync(call, Ct))
        {
            Assert.Contains("\"hi\"", await answer.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        int during = upstream.OpenSessions;

        Assert.Equal(common + 1, during);
        await Poll.UntilAsync(() => upstream.OpenSessions == common, Patience, $"the upstream session outlived the idle client's: {upstream.OpenSessions} open");
    }

    private static async Task WaitForToolAsync(PublishedGateway gateway)
    {
        await using var lister = await gateway.ConnectAsync("/mcp", protocolVersion: null);
        await Poll.UntilAsync(async () => (await lister.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == "counted__echo"), Patience, "the upstream's tools were not listed");
    }

    /// <summary>The SDK's MCP server in session mode on loopback, counting the sessions open now; its tool: <c>echo</c>.</summary>
    private sealed class SessionCountingUpstream : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _open;

        private SessionCountingUpstream(WebApplication app, string url) => (_app, Url) = (app, new Uri($"{url}/mcp"));

        public Uri Url { get; }

        public int OpenSessions => Volatile.Read(ref _open);

        public static async Task<SessionCountingUpstream> StartAsync()
        {
            string url = LoopbackPort.NextUrl();
            SessionCountingUpstream? upstream = null;
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(url);
            builder.Services.AddMcpServer()
                .WithHttpTransport(o =>
                {
#pragma warning disable MCP9006, MCPEXP002 // a session-keeping upstream that counts its sessions is what this test needs
                    o.SessionMode = ModelContextProtocol.AspNetCore.HttpServerSessionMode.StatefulForInitializeClients;
                    o.RunSessionHandler = async (_, server, token) =>
                    {
                        if (server.SessionId is null)
                        {
                            await server.RunAsync(token);
                            return;
                        }

                        Interlocked.Increment(ref upstream!._open);
                        try
                        {
                            await server.RunAsync(token);
                        }
                        finally
                        {
                            Interlocked.Decrement(ref upstream._open);
                        }
                    };
#pragma warning restore MCP9006, MCPEXP002
                })
                .WithTools([McpServerTool.Create(([Description("Text.")] string text) => text, new McpServerToolCreateOptions { Name = "echo" })]);
            var app = builder.Build();
            app.MapMcp("/mcp");
            upstream = new SessionCountingUpstream(app, url);
            await app.StartAsync(Ct);
            return upstream;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }
}
