using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Polly.CircuitBreaker;
using Switchboard.Errors;
using Switchboard.Testing;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Catalog;
using Switchboard.Upstreams.Http;
using Switchboard.Upstreams.Pinning;
using Switchboard.Upstreams.Resilience;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// An HTTP upstream (the SDK's server, on loopback) that names a tool outside ASCII, or floods the gateway with
/// <c>notifications/tools/list_changed</c>: the tool is called with its name encoded in <c>Mcp-Name</c> as SEP-2243
/// says, and the flood is coalesced into a listing a second.
/// </summary>
public sealed class UpstreamHttpEdgeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ToolNamedOutsideAscii_IsCalled_WithItsNameBase64EncodedInMcpName_AndTheCircuitStaysClosed()
    {
        // Through handlers: the SDK's own tools refuse such a name, an upstream written otherwise may well have one.
        await using var upstream = await Upstream.StartAsync(stateful: false, mcp => mcp
            .WithListToolsHandler((_, _) => ValueTask.FromResult(new ListToolsResult { Tools = [new Tool { Name = "héllo" }] }))
            .WithCallToolHandler((call, _) => ValueTask.FromResult(new CallToolResult { Content = [new TextContentBlock { Text = $"bonjour from {call.Params!.Name}" }] })));
        var options = new UpstreamOptions { Url = upstream.Url };
        options.CircuitBreaker.MinimumThroughput = 2; // before the fix, two calls opened the circuit for every caller
        await using var server = new UpstreamServer("odd", options, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);
        Assert.True(await server.TryConnectAsync(Ct), server.LastFailure);

        for (int i = 0; i < 5; i++)
        {
            var result = await server.CallToolAsync(new CallToolRequestParams { Name = "héllo" }, Ct);
            Assert.Equal("bonjour from héllo", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        }

        // The SDK's server also checked that the decoded header names the tool of the body.
        Assert.All(upstream.McpNames, name => Assert.Equal("=?base64?aMOpbGxv?=", name));
        Assert.Equal(5, upstream.McpNames.Count);
        Assert.Equal(CircuitState.Closed, server.CircuitState);
    }

    [Fact]
    public async Task RequestWithAHeaderHttpCannotCarry_IsNotSent_AndDoesNotCountAgainstTheCircuit()
    {
        using var client = new HttpClient(new RequestHeaderCheckHandler(new ThrowingHandler()));
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://127.0.0.1:9/mcp");
        request.Headers.TryAddWithoutValidation("Mcp-Name", "héllo");

        var refused = await Assert.ThrowsAsync<UpstreamRequestNotSentException>(() => client.SendAsync(request, Ct));

        // Wrapped as the SDK's transport may wrap it: still the gateway's own failure, never the upstream's.
        var wrapped = new HttpRequestException("send failed", refused);
        Assert.False(UpstreamFailure.IsUpstreamFault(wrapped));
        Assert.True(UpstreamFailure.IsClientVisible(wrapped));
        var error = UpstreamFailure.ToClientError("odd", wrapped, CircuitState.Closed);
        Assert.Equal(SwitchboardErrorCodes.UpstreamUnavailable, error.ErrorCode);
        Assert.Equal("not-sent", error.Data["reason"]);
        // The control: the same failure from the network counts.
        Assert.True(UpstreamFailure.IsUpstreamFault(new HttpRequestException("Request headers must contain only ASCII characters.")));
    }

    [Fact]
    public async Task ListChangedFlood_IsCoalescedIntoAListingASecond_AndTheLastChangeIsShown()
    {
        await using var upstream = await Upstream.StartAsync(stateful: true, mcp => { });
        Describe(upstream, 0);
        await using var server = new UpstreamServer("flood", new UpstreamOptions { Url = upstream.Url }, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);
        Assert.True(await server.TryConnectAsync(Ct), server.LastFailure);
        await Poll.UntilAsync(() => DescriptionOf(server) == "version 0", TimeSpan.FromSeconds(30), "the tool was not listed");
        int changesSeen = 0;
        server.Catalog.Tools.Changed += (_, _) => Interlocked.Increment(ref changesSeen);
        int listedBefore = upstream.ToolListings;

        // A change, and so a list_changed, every 10 ms for 2 s.
        var flood = System.Diagnostics.Stopwatch.StartNew();
        int version = 0;
        while (flood.Elapsed < TimeSpan.FromSeconds(2))
        {
            Describe(upstream, ++version);
            await Task.Delay(10, Ct); // the pace of the flood, not a wait for an event
        }

        var flooded = flood.Elapsed;

        // The trailing listing shows the last change.
        await Poll.UntilAsync(() => DescriptionOf(server) == $"version {version}", TimeSpan.FromSeconds(30), $"the last change was not listed: {DescriptionOf(server)}");
        await Task.Delay(CoalescedRelist.MinimumInterval * 2, Ct); // nothing more comes after the trailing listing
        int listings = upstream.ToolListings - listedBefore;
        TestContext.Current.TestOutputHelper?.WriteLine($"{version} list_changed in {flooded.TotalSeconds:0.0} s: {listings} listings, {changesSeen} catalog changes.");
        // One a second over the flood and the wait for the last, plus the first at once and one trailing.
        Assert.InRange(listings, 2, (int)Math.Ceiling(flooded.TotalSeconds) + 3);
        Assert.InRange(Volatile.Read(ref changesSeen), 1, listings);
    }

    private static void Describe(Upstream upstream, int version)
    {
        var tool = McpServerTool.Create(() => "ok", new McpServerToolCreateOptions { Name = "probe", Description = $"version {version}" });
        using (upstream.Tools.DeferChangedEvents())
        {
            upstream.Tools.Clear();
            upstream.Tools.Add(tool);
        }
    }

    private static string? DescriptionOf(UpstreamServer server) =>
        server.Catalog.Tools.FirstOrDefault()?.ProtocolTool.Description;

    private sealed class ThrowingHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("the request reached the network");
    }

    /// <summary>The SDK's MCP server over Streamable HTTP, recording the <c>Mcp-Name</c> of each tools/call and counting tools/list.</summary>
    private sealed class Upstream : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _toolListings;

        private Upstream(string url, bool stateful, Action<IMcpServerBuilder> configure)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(url);
            configure(builder.Services.AddMcpServer(o => o.ToolCollection = Tools).WithHttpTransport(o => o.SessionMode = stateful ? HttpServerSessionMode.Stateful : HttpServerSessionMode.Stateless));
            _app = builder.Build();
            _app.Use(async (context, next) =>
            {
                // Mcp-Method says what the body asks without reading it (SEP-2243; the SDK client always sends it).
                string method = context.Request.Headers["Mcp-Method"].ToString();
                if (method == RequestMethods.ToolsCall)
                {
                    McpNames.Enqueue(context.Request.Headers["Mcp-Name"].ToString());
                }
                else if (method == RequestMethods.ToolsList)
                {
                    Interlocked.Increment(ref _toolListings);
                }

                await next(context);
            });
            _app.MapMcp("/mcp");
            Url = new Uri($"{url}/mcp");
        }

        public Uri Url { get; }

        public McpServerPrimitiveCollection<McpServerTool> Tools { get; } = [];

        public ConcurrentQueue<string> McpNames { get; } = new();

        public int ToolListings => Volatile.Read(ref _toolListings);

        public static async Task<Upstream> StartAsync(bool stateful, Action<IMcpServerBuilder> configure)
        {
            var upstream = new Upstream(LoopbackPort.NextUrl(), stateful, configure);
            await upstream._app.StartAsync(Ct);
            return upstream;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
