using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// The published gateway in front of upstreams that answer badly or not at all (a web page, broken JSON, a broken
/// event stream, silence, a refused connection, TLS to a plain HTTP server) and one whose answer is too large: each
/// gets a clear per-server state and reason in <c>GET /api/v1/servers</c> within its timeout, readiness stays 200, the
/// gateway keeps serving its other servers, and no request hangs.
/// </summary>
public sealed class HostileUpstreamTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-hostile-").FullName;
    private readonly string _gatewayKey = ApiKeyFormat.Generate().Key;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task BadUpstreams_EachReportedWithAReason_TheGatewayServesTheRest_OversizedRefusedAsTooLarge()
    {
        await using var html = await StandIn.StartAsync("html");
        await using var jsonGarbage = await StandIn.StartAsync("json-garbage");
        await using var sseGarbage = await StandIn.StartAsync("sse-garbage");
        await using var silence = await StandIn.StartAsync("silence");
        await using var big = await FaultyUpstream.StartAsync();
        // Expected reason of each server; "failed" may read "unreachable" where the transport gave up first.
        var expected = new Dictionary<string, string[]>
        {
            ["html"] = ["failed", "unreachable"], // a web page, not an MCP server
            ["json-garbage"] = ["failed", "unreachable"], // 200 application/json that is not JSON
            ["sse-garbage"] = ["failed", "unreachable"], // an event stream whose data is not JSON
            ["silence"] = ["timeout"], // accepts the request, never answers
            ["refused"] = ["unreachable"], // nothing listens
            ["tls"] = ["unreachable"], // https:// to a plain HTTP server
        };
        string gatewayDirectory = Directory.CreateDirectory(Path.Combine(_directory, "gateway")).FullName;
        await using var gateway = await GatewayProcess.StartAsync(
            [
                $"--Identity:BootstrapAdminKey={_gatewayKey}",
                $"--Storage:DataDirectory={gatewayDirectory}",
                "--Servers:utilities:Enabled=true",
                .. Upstream("html", $"{html.Url}/mcp"),
                .. Upstream("json-garbage", $"{jsonGarbage.Url}/mcp"),
                .. Upstream("sse-garbage", $"{sseGarbage.Url}/mcp"),
                .. Upstream("silence", $"{silence.Url}/mcp"),
                .. Upstream("refused", $"{LoopbackPort.NextUrl()}/mcp"),
                .. Upstream("tls", $"{html.Url.Replace("http://", "https://", StringComparison.Ordinal)}/mcp"),
                .. Upstream("big", big.Url.AbsoluteUri),
                "--Servers:big:MaxResponseBytes=65536",
            ],
            gatewayDirectory,
            Patience);

        Dictionary<string, (string State, string? Reason)> servers = [];
        await Poll.UntilAsync(
            async () =>
            {
                servers = await ServersAsync(gateway);
                return expected.Keys.All(name => servers.TryGetValue(name, out var s) && s.Reason is not (null or "connecting"));
            },
            Patience,
            $"not every bad upstream was reported{Environment.NewLine}{gateway.Output}");
        foreach (var (name, reasons) in expected)
        {
            Assert.True(servers[name].State == "not-connected" && reasons.Contains(servers[name].Reason), $"{name}: {servers[name]}");
        }

        // Degraded, not dead: readiness stays 200 and the other servers answer.
        var (ready, report) = await gateway.TryGetReadinessAsync(Ct);
        Assert.True(ready == HttpStatusCode.OK, report?.ToString());
        Assert.True(IsSuccess(await gateway.CallToolAsync(_gatewayKey, "utilities__uuid_v4", Ct)));

        await Poll.UntilAsync(async () => (await ServersAsync(gateway))["big"].State == "connected", Patience, $"big was not connected{Environment.NewLine}{gateway.Output}");
        var stopwatch = Stopwatch.StartNew();
        var tooLarge = await CallBigAsync(gateway, 200 * 1024);
        var elapsed = stopwatch.Elapsed;
        var small = await CallBigAsync(gateway, 1024);
        var afterwards = await ServersAsync(gateway);

        var error = tooLarge.GetProperty("error");
        Assert.Equal((int)SwitchboardErrorCodes.UpstreamUnavailable, error.GetProperty("code").GetInt32());
        Assert.Equal("too-large", error.GetProperty("data").GetProperty("reason").GetString());
        Assert.InRange(elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.Equal(1024, small.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!.Length);
        // One answer too large says nothing about the upstream: it stays connected.
        Assert.Equal("connected", afterwards["big"].State);
        Assert.Equal(HttpStatusCode.OK, (await gateway.TryGetReadinessAsync(Ct)).Status);
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(Environment.NewLine, servers.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}: {s.Value.State} ({s.Value.Reason})")));
    }

    private static string[] Upstream(string name, string url) =>
    [
        $"--Servers:{name}:Url={url}",
        $"--Servers:{name}:Timeout=00:00:03",
        $"--Servers:{name}:ReconnectInterval=00:00:02",
        $"--Servers:{name}:Pinning=Off",
    ];

    private async Task<JsonElement> CallBigAsync(GatewayProcess gateway, int size)
    {
        var (status, message) = await gateway.RequestAsync(_gatewayKey, "tools/call", new JsonObject
        {
            ["name"] = "big__big",
            ["arguments"] = new JsonObject { ["size"] = size },
        }, Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        return message!.Value;
    }

    private async Task<Dictionary<string, (string State, string? Reason)>> ServersAsync(GatewayProcess gateway)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", _gatewayKey);
        using var body = JsonDocument.Parse(await http.GetStringAsync(new Uri($"{gateway.Url}/api/v1/servers"), Ct));
        var list = body.RootElement.ValueKind == JsonValueKind.Array ? body.RootElement : body.RootElement.GetProperty("servers");
        return list.EnumerateArray().ToDictionary(
            s => s.GetProperty("name").GetString()!,
            s => (s.GetProperty("state").GetString()!, s.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null));
    }

    private static bool IsSuccess(JsonElement response) =>
        response.TryGetProperty("result", out var result) && !(result.TryGetProperty("isError", out var isError) && isError.GetBoolean());

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
            await standIn._app.StartAsync(TestContext.Current.CancellationToken);
            return standIn;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
