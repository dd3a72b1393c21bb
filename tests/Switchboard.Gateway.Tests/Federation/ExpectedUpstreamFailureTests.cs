using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Switchboard.Errors;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// What the published gateway logs and answers when an upstream misbehaves in ways it must expect: a timeout, a
/// server removed or disabled while its calls are in flight, and tool names made to forge or hide log lines. Each is
/// one Warning line and a documented error; none is an Error with a stack trace.
/// </summary>
public sealed class ExpectedUpstreamFailureTests
{
    private const string StackTraceMark = "threw an unhandled exception";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The calls in flight got the SDK's generic result "An error occurred invoking 'faulty__hold'." (not an error of
    /// the federation table), and the timeout and the removal each logged an Error with a stack trace.
    /// </summary>
    [Theory]
    [InlineData("removed")]
    [InlineData("disabled")]
    public async Task ServerClosedWithACallInFlight_TheCallGetsUnavailableClosed_AndATimeoutIsOneWarning(string how)
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: false);
        await using var upstream = await FaultyUpstream.StartAsync();
        var gateway = await fixture.StartGatewayAsync();
        var (created, body) = await fixture.ApiAsync(gateway, HttpMethod.Post, "/servers", new JsonObject
        {
            ["name"] = "faulty",
            ["url"] = upstream.Url.AbsoluteUri,
            ["timeout"] = "00:00:05", // long enough for the removal to land while "hold" waits
            ["pinning"] = "off",
        });
        Assert.True(created == HttpStatusCode.Created, body.ToString());
        await Poll.UntilAsync(async () => (await fixture.ToolNamesAsync(gateway)).Contains("faulty__hold"), RegistryFixture.Timeout, "faulty was not served");

        var timedOut = await CallAsync(gateway, fixture.AdminKey, "faulty__slow");
        Assert.Equal((int)SwitchboardErrorCodes.UpstreamTimeout, timedOut.GetProperty("code").GetInt32());
        Assert.Equal("timeout", timedOut.GetProperty("data").GetProperty("reason").GetString());

        var inFlight = CallAsync(gateway, fixture.AdminKey, "faulty__hold");
        await Poll.UntilAsync(() => upstream.Holding == 1, RegistryFixture.Timeout, "the call never reached the upstream");
        var (closed, closedBody) = how == "removed"
            ? await fixture.ApiAsync(gateway, HttpMethod.Delete, "/servers/faulty")
            : await fixture.ApiAsync(gateway, HttpMethod.Patch, "/servers/faulty", new JsonObject { ["enabled"] = false });
        Assert.True(closed is HttpStatusCode.OK or HttpStatusCode.NoContent, closedBody.ToString());

        var error = await inFlight;
        Assert.Equal((int)SwitchboardErrorCodes.UpstreamUnavailable, error.GetProperty("code").GetInt32());
        Assert.Contains("removed or disabled", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("closed", error.GetProperty("data").GetProperty("reason").GetString());
        Assert.Equal("faulty", error.GetProperty("data").GetProperty("server").GetString());
        await gateway.WaitForOutputAsync("call to 'hold' failed: closed", RegistryFixture.Timeout);
        Assert.Contains("call to 'slow' failed: timeout", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(StackTraceMark, gateway.Output, StringComparison.Ordinal);
    }

    /// <summary>A tool name with a newline printed a second, forged line; a bidirectional override reordered the line.</summary>
    [Fact]
    public async Task ToolNamesWithControlCharacters_AreEscapedInTheLog()
    {
        await using var upstream = await RawUpstream.StartAsync(
            new JsonArray
            {
                new JsonObject { ["name"] = "evil\nline", ["inputSchema"] = new JsonObject() },
                new JsonObject { ["name"] = "rtl\u202Eeman", ["inputSchema"] = new JsonObject { ["type"] = "string" } },
                new JsonObject { ["name"] = "fine", ["inputSchema"] = new JsonObject { ["type"] = "object" } },
            });
        await using var fixture = await RegistryFixture.CreateAsync(postgres: false);
        var gateway = await fixture.StartGatewayAsync($"--Servers:raw:Url={upstream.Url}", "--Servers:raw:Pinning=Off");
        await Poll.UntilAsync(async () => (await fixture.ToolNamesAsync(gateway)).Contains("raw__fine"), RegistryFixture.Timeout, $"raw was not served{Environment.NewLine}{gateway.Output}");

        await gateway.WaitForOutputAsync(@"the tool 'rtl\u202Eeman' is left out", RegistryFixture.Timeout);
        await gateway.WaitForOutputAsync(@"the tool 'evil\nline' is left out", RegistryFixture.Timeout);
        Assert.DoesNotContain("\nline' is left out", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', gateway.Output);
    }

    // tools/call; the JSON-RPC error, which every call here must end with.
    private static async Task<JsonElement> CallAsync(Cli.GatewayProcess gateway, string key, string tool)
    {
        var (status, message) = await gateway.RequestAsync(key, "tools/call", new JsonObject { ["name"] = tool, ["arguments"] = new JsonObject() }, Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(message!.Value.TryGetProperty("error", out var error), message.Value.ToString());
        return error.Clone();
    }

    /// <summary>
    /// A Streamable HTTP MCP server written by hand, so that it can list what the SDK's server would refuse to: it
    /// answers <c>initialize</c>, <c>ping</c> and <c>tools/list</c> (with the given tools) as plain JSON, and every
    /// other request with "method not found".
    /// </summary>
    private sealed class RawUpstream : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private RawUpstream(string url, JsonArray tools)
        {
            Url = $"{url}/mcp";
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls(url);
            _app = builder.Build();
            _app.MapPost("/mcp", async context =>
            {
                using var request = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
                if (!request.RootElement.TryGetProperty("id", out var id))
                {
                    context.Response.StatusCode = StatusCodes.Status202Accepted; // a notification
                    return;
                }

                string method = request.RootElement.GetProperty("method").GetString()!;
                JsonNode? result = method switch
                {
                    "initialize" => new JsonObject
                    {
                        ["protocolVersion"] = request.RootElement.GetProperty("params").GetProperty("protocolVersion").GetString(),
                        ["capabilities"] = new JsonObject { ["tools"] = new JsonObject() },
                        ["serverInfo"] = new JsonObject { ["name"] = "raw", ["version"] = "1.0.0" },
                    },
                    "ping" => new JsonObject(),
                    "tools/list" => new JsonObject { ["tools"] = tools.DeepClone() },
                    _ => null,
                };
                var response = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = JsonNode.Parse(id.GetRawText()) };
                response[result is null ? "error" : "result"] = result ?? new JsonObject { ["code"] = -32601, ["message"] = $"Method not found: {method}" };
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
            });
        }

        public string Url { get; }

        public static async Task<RawUpstream> StartAsync(JsonArray tools)
        {
            var upstream = new RawUpstream(LoopbackPort.NextUrl(), tools);
            await upstream._app.StartAsync(Ct);
            return upstream;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
