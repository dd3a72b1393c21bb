using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Gateway.Tests.Interop;
using Switchboard.Testing;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Http;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// OAuth 2.0 client credentials for an upstream, against a real token endpoint and a real MCP server that accepts only
/// its tokens: the gateway fetches a token once, caches it, fetches a new one once on 401, and never sends the caller's
/// own credentials upstream. The gateway is the published executable.
/// </summary>
public sealed class UpstreamCredentialsTests
{
    private const string ClientId = "switchboard";
    private const string ClientSecret = "s3cret/with:odd&chars";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ClientCredentials_TokenCachedAndRefreshedOnceOn401_CallersKeyNeverSentUpstream()
    {
        await using var upstream = await ProtectedUpstream.StartAsync();
        await using var gateway = await PublishedGateway.StartServeAsync(
            $"--Servers:secure:Url={upstream.Url}/mcp",
            $"--Servers:secure:OAuth:TokenEndpoint={upstream.Url}/token",
            $"--Servers:secure:OAuth:ClientId={ClientId}",
            $"--Servers:secure:OAuth:ClientSecret={ClientSecret}",
            "--Servers:secure:OAuth:Scopes:0=tools.read",
            "--Servers:secure:OAuth:Scopes:1=tools.call",
            "--Servers:secure:Pinning=Off");
        await using var client = await gateway.ConnectAsync("/mcp", protocolVersion: null);

        await Poll.UntilAsync(async () => (await client.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == "secure__whoami"), TimeSpan.FromSeconds(30), "the protected upstream's tools were not listed");
        var first = await client.CallToolAsync("secure__whoami", cancellationToken: Ct);
        var second = await client.CallToolAsync("secure__whoami", cancellationToken: Ct);
        int tokensBeforeRevoke = upstream.TokensIssued;
        upstream.RevokeAll();
        var afterRevoke = await client.CallToolAsync("secure__whoami", cancellationToken: Ct);

        Assert.Equal(1, tokensBeforeRevoke); // one token served the listing and both calls
        Assert.Equal("token-1", Text(first));
        Assert.Equal("token-1", Text(second));
        Assert.Equal("token-2", Text(afterRevoke)); // 401 → one new token, and the call went through
        Assert.Equal(2, upstream.TokensIssued);
        Assert.Equal("tools.read tools.call", upstream.LastScope);
        Assert.DoesNotContain(upstream.HeaderValuesSeen, v => v.Contains(gateway.AdminKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ClientCredentials_WrongSecret_ServerNotConnectedWithCredentialsReason()
    {
        await using var upstream = await ProtectedUpstream.StartAsync();
        var options = new UpstreamOptions
        {
            Url = new Uri($"{upstream.Url}/mcp"),
            Pinning = ToolPinning.Off,
            Timeout = TimeSpan.FromSeconds(10),
            OAuth = new ClientCredentialsSettings { TokenEndpoint = new Uri($"{upstream.Url}/token"), ClientId = ClientId, ClientSecret = "wrong" },
        };
        await using var server = new UpstreamServer("secure", options, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);

        Assert.False(await server.TryConnectAsync(Ct));
        Assert.Equal("credentials", server.LastFailure);
        Assert.Equal(0, upstream.TokensIssued);
    }

    [Fact]
    public void ClientCredentials_PlainHttpTokenEndpointOffLoopback_IsRefusedAtStart()
    {
        var options = new UpstreamOptions
        {
            Url = new Uri("https://wiki.internal/mcp"),
            OAuth = new ClientCredentialsSettings { TokenEndpoint = new Uri("http://login.internal/token"), ClientId = ClientId, ClientSecret = ClientSecret },
        };

        var problems = UpstreamsOptionsValidator.Problems("Servers:wiki", options);

        Assert.Contains(problems, p => p.StartsWith("Servers:wiki:OAuth:TokenEndpoint must be an absolute https:// URL", StringComparison.Ordinal));
    }

    private static string? Text(CallToolResult result) =>
        Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;

    /// <summary>
    /// A token endpoint (<c>/token</c>, client_secret_basic) and an MCP server (<c>/mcp</c>) that accepts only the tokens
    /// it issued and has not revoked; its tool <c>whoami</c> answers with the token it was called with. Every request
    /// header value it receives is kept.
    /// </summary>
    private sealed class ProtectedUpstream : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly ConcurrentDictionary<string, bool> _valid = new();
        private int _issued;

        private ProtectedUpstream(string url)
        {
            Url = url;
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(url);
            builder.Services.AddHttpContextAccessor();
            builder.Services.AddMcpServer().WithHttpTransport(o => o.Stateless = true).WithTools(
            [
                McpServerTool.Create(
                    (RequestContext<CallToolRequestParams> request) =>
                        request.Services!.GetRequiredService<IHttpContextAccessor>().HttpContext!.Request.Headers.Authorization.ToString()["Bearer ".Length..],
                    new McpServerToolCreateOptions { Name = "whoami" }),
            ]);
            _app = builder.Build();
            _app.MapPost("/token", (HttpContext context) =>
            {
                string expected = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Uri.EscapeDataString(ClientId)}:{Uri.EscapeDataString(ClientSecret)}"));
                if (context.Request.Headers.Authorization != expected || context.Request.Form["grant_type"] != "client_credentials")
                {
                    return Results.Json(new { error = "invalid_client" }, statusCode: StatusCodes.Status401Unauthorized);
                }

                LastScope = context.Request.Form["scope"];
                string token = $"token-{Interlocked.Increment(ref _issued)}";
                _valid[token] = true;
                return Results.Json(new { access_token = token, token_type = "Bearer", expires_in = 3600 });
            });
            _app.Use(async (context, next) =>
            {
                if (context.Request.Path.StartsWithSegments("/mcp", StringComparison.Ordinal))
                {
                    foreach (var header in context.Request.Headers)
                    {
                        HeaderValuesSeen.Add(header.Value.ToString());
                    }

                    string authorization = context.Request.Headers.Authorization.ToString();
                    if (!authorization.StartsWith("Bearer ", StringComparison.Ordinal) || !_valid.ContainsKey(authorization["Bearer ".Length..]))
                    {
                        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                        return;
                    }
                }

                await next(context);
            });
            _app.MapMcp("/mcp");
        }

        public string Url { get; }

        public int TokensIssued => Volatile.Read(ref _issued);

        public string? LastScope { get; private set; }

        public ConcurrentBag<string> HeaderValuesSeen { get; } = [];

        public static async Task<ProtectedUpstream> StartAsync()
        {
            var upstream = new ProtectedUpstream(LoopbackPort.NextUrl());
            await upstream._app.StartAsync(Ct);
            return upstream;
        }

        public void RevokeAll() => _valid.Clear();

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
