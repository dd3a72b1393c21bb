using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Switchboard.Errors;
using Switchboard.Testing;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// Upstreams that answer badly or not at all: each gives a clear per-server failure within the timeout, never an
/// exception out of the gateway's code or a hung request.
/// </summary>
public sealed class HostileUpstreamTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Answers => new()
    {
        { "html", "failed" }, // a web page, not an MCP server
        { "json-garbage", "failed" }, // 200 application/json that is not JSON
        { "sse-garbage", "failed" }, // an event stream whose data is not JSON
        { "silence", "timeout" }, // accepts the request, never answers
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task UpstreamAnswersBadly_ConnectFailsWithinTheTimeout_WithAReason(string answer, string reason)
    {
        await using var standIn = await StandIn.StartAsync(answer);

        var (connected, failure, elapsed) = await TryConnectAsync(new Uri($"{standIn.Url}/mcp"));

        Assert.False(connected);
        Assert.InRange(elapsed, TimeSpan.Zero, Timeout + TimeSpan.FromSeconds(5));
        Assert.True(failure == reason || (reason == "failed" && failure is "unreachable"), $"{answer}: {failure}");
    }

    [Fact]
    public async Task ConnectionRefused_IsUnreachable()
    {
        var (connected, failure, _) = await TryConnectAsync(new Uri($"{LoopbackPort.NextUrl()}/mcp"));

        Assert.False(connected);
        Assert.Equal("unreachable", failure);
    }

    [Fact]
    public async Task TlsFailure_HttpsToAPlainHttpServer_IsUnreachable()
    {
        await using var standIn = await StandIn.StartAsync("html");

        var (connected, failure, elapsed) = await TryConnectAsync(new Uri($"{standIn.Url.Replace("http://", "https://", StringComparison.Ordinal)}/mcp"));

        Assert.False(connected);
        Assert.Equal("unreachable", failure);
        Assert.InRange(elapsed, TimeSpan.Zero, Timeout + TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task OversizedResult_RefusedWithTooLarge_SmallerOnesAndTheCircuitUnaffected()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var server = new UpstreamServer("server", new UpstreamOptions { Url = upstream.Url, Pinning = ToolPinning.Off, MaxResponseBytes = 64 * 1024, Timeout = Timeout }, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);
        Assert.True(await server.TryConnectAsync(Ct), server.LastFailure);

        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await server.CallToolAsync(Big(200 * 1024), Ct));
        var elapsed = stopwatch.Elapsed;
        var small = await server.CallToolAsync(Big(1024), Ct);

        Assert.Equal(SwitchboardErrorCodes.UpstreamUnavailable, error.ErrorCode);
        Assert.Equal("too-large", error.Data["reason"]);
        Assert.InRange(elapsed, TimeSpan.Zero, Timeout);
        Assert.Equal(1024, Assert.IsType<TextContentBlock>(Assert.Single(small.Content)).Text.Length);
        Assert.Equal(Polly.CircuitBreaker.CircuitState.Closed, server.CircuitState);
    }

    private static CallToolRequestParams Big(int size) =>
        new() { Name = "big", Arguments = new Dictionary<string, JsonElement> { ["size"] = JsonSerializer.SerializeToElement(size) } };

    private static async Task<(bool Connected, string? Failure, TimeSpan Elapsed)> TryConnectAsync(Uri url)
    {
        await using var server = new UpstreamServer("hostile", new UpstreamOptions { Url = url, Pinning = ToolPinning.Off, Timeout = Timeout }, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);
        var stopwatch = Stopwatch.StartNew();
        bool connected = await server.TryConnectAsync(Ct);
        return (connected, server.LastFailure, stopwatch.Elapsed);
    }

    /// <summary>A Kestrel app that answers every request the same bad way.</summary>
    private sealed class StandIn : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private StandIn(string url, string answer)
        {
            Url = url;
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(url);
            _app = builder.Build();
            _app.Run(async context =>
            {
                switch (answer)
                {
                    case "html":
                        context.Response.ContentType = "text/html";
                        await context.Response.WriteAsync("<html><body>Welcome</body></html>", context.RequestAborted);
                        break;
                    case "json-garbage":
                        context.Response.ContentType = "application/json";
                        await context.Response.WriteAsync("{\"jsonrpc\":\"2.0\",\"id\":", context.RequestAborted);
                        break;
                    case "sse-garbage":
                        context.Response.ContentType = "text/event-stream";
                        await context.Response.WriteAsync("event: message\ndata: {oops\n\n", context.RequestAborted);
                        break;
                    default:
                        await Task.Delay(System.Threading.Timeout.Infinite, context.RequestAborted);
                        break;
                }
            });
        }

        public string Url { get; }

        public static async Task<StandIn> StartAsync(string answer)
        {
            var standIn = new StandIn(LoopbackPort.NextUrl(), answer);
            await standIn._app.StartAsync(Ct);
            return standIn;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
