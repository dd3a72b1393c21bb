using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Access.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// Servers registered at run time, with the CLI and the admin API, against real gateway processes on a shared
/// database: served by every replica within seconds (with and without Redis), announced to connected sessions,
/// removed everywhere; a name collision or a broken upstream leaves only that server out, and readiness stays up.
/// </summary>
public sealed class ServerRegistryTests
{
    private const string EverythingTool = "test_simple_text";
    private const string EverythingText = "This is a simple text response for testing.";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AddedWithCliAndApi_ServedByTwoReplicas_SessionsNotified_RemovedEverywhere(bool redis)
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: true, redis);
        string upstreamKey = ApiKeyFormat.Generate().Key;
        string upstreamUrl = await fixture.StartEverythingAsync(upstreamKey);
        var first = await fixture.StartGatewayAsync();
        var second = await fixture.StartGatewayAsync();
        // A third replica with sessions on (GatewayProcess starts gateways sessionless), for a session listening on its
        // GET stream, where list_changed travels: nothing is registered through it, yet it must hear of every change.
        var listening = await fixture.StartGatewayAsync("--Gateway:Sessions=Hybrid");

        await using var session = await SessionStream.OpenAsync(listening.Url, fixture.AdminKey);

        var added = await fixture.CliAsync("servers", "add", "wiki", "--url", upstreamUrl, "--header", $"Authorization=Bearer {upstreamKey}", "--description", "Team wiki");
        Assert.True(added.ExitCode == 0, added.Output);
        await AssertServedAsync(fixture, first, "wiki");
        await AssertServedAsync(fixture, second, "wiki");
        await session.WaitForAsync("notifications/tools/list_changed", RegistryFixture.Timeout);

        var (status, created) = await fixture.ApiAsync(first, HttpMethod.Post, "/servers", new JsonObject
        {
            ["name"] = "docs",
            ["url"] = upstreamUrl,
            ["headers"] = new JsonObject { ["Authorization"] = $"Bearer {upstreamKey}" },
            ["pinning"] = "warn",
        });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("Stored", created.GetProperty("source").GetString());
        Assert.Equal("***", created.GetProperty("headers").GetProperty("Authorization").GetString());
        await AssertServedAsync(fixture, second, "docs");

        var (_, shown) = await fixture.ApiAsync(second, HttpMethod.Get, "/servers/wiki");
        Assert.Equal("connected", shown.GetProperty("state").GetString());
        Assert.Equal("Team wiki", shown.GetProperty("description").GetString());
        var (_, listed) = await fixture.ApiAsync(first, HttpMethod.Get, "/servers");
        Assert.Equal(["docs", "wiki"], listed.EnumerateArray().Where(s => s.GetProperty("source").GetString() == "Stored").Select(s => s.GetProperty("name").GetString()));
        Assert.Contains(listed.EnumerateArray(), s => s.GetProperty("name").GetString() == "utilities" && s.GetProperty("source").GetString() == "BuiltIn" && s.GetProperty("state").GetString() == "serving");
        var cliShow = await fixture.CliAsync("servers", "show", "wiki");
        Assert.True(cliShow.ExitCode == 0, cliShow.Output);
        Assert.DoesNotContain(upstreamKey, cliShow.Output + listed.ToString() + shown.ToString(), StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await fixture.ApiAsync(second, HttpMethod.Delete, "/servers/wiki")).Status);
        Assert.Equal(0, (await fixture.CliAsync("servers", "remove", "docs")).ExitCode);
        foreach (var gateway in new[] { first, second })
        {
            await Poll.UntilAsync(
                async () => !(await fixture.ToolNamesAsync(gateway)).Any(t => t.StartsWith("wiki__", StringComparison.Ordinal) || t.StartsWith("docs__", StringComparison.Ordinal)),
                RegistryFixture.Timeout,
                "a removed server was still served");
            Assert.Equal(HttpStatusCode.NotFound, (await fixture.ApiAsync(gateway, HttpMethod.Get, "/servers/wiki")).Status);
        }

        Assert.Equal(2, (await fixture.AuditAsync(first, "servers.add")).Count);
        Assert.Equal(2, (await fixture.AuditAsync(second, "servers.remove")).Count);
        Assert.DoesNotContain(upstreamKey, first.Output + second.Output, StringComparison.Ordinal);
        Assert.DoesNotContain((await fixture.AuditAsync(first, "servers.add")), e => e.ToString().Contains(upstreamKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task NameCollisionAndBrokenUpstream_LeaveOnlyThoseServersOut_GatewayStaysReady()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: false);
        var gateway = await fixture.StartGatewayAsync("--Logging:LogLevel:Default=Warning");
        string nobody = $"{LoopbackPort.NextUrl()}/mcp";

        // The CLI cannot know what a gateway's configuration serves: the gateway keeps its own 'utilities'.
        Assert.Equal(0, (await fixture.CliAsync("servers", "add", "utilities", "--url", nobody)).ExitCode);
        var (status, broken) = await fixture.ApiAsync(gateway, HttpMethod.Post, "/servers", new JsonObject { ["name"] = "broken", ["url"] = nobody, ["timeout"] = "00:00:02" });
        Assert.Equal(HttpStatusCode.Created, status);

        JsonElement listed = default;
        await Poll.UntilAsync(
            async () => (listed = (await fixture.ApiAsync(gateway, HttpMethod.Get, "/servers")).Body).EnumerateArray()
                .Any(s => s.GetProperty("name").GetString() == "broken" && s.GetProperty("reason").GetString() is "unreachable"),
            RegistryFixture.Timeout,
            "the broken upstream's status never said it is unreachable");
        var collided = listed.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "utilities" && s.GetProperty("source").GetString() == "Stored");
        Assert.Equal("name-collision", collided.GetProperty("state").GetString());
        Assert.Contains("configuration or a built-in server", collided.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("not-connected", listed.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "broken").GetProperty("state").GetString());

        var (ready, report) = await gateway.TryGetReadinessAsync(Ct);
        Assert.Equal(HttpStatusCode.OK, ready);
        var checks = report!.Value.GetProperty("checks");
        Assert.Equal("Degraded", checks.GetProperty("registry").GetProperty("status").GetString());
        Assert.Contains("Server 'utilities' is left out (name-collision", checks.GetProperty("registry").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Contains("'broken' not connected (unreachable)", checks.GetProperty("upstreams").GetProperty("description").GetString(), StringComparison.Ordinal);
        var call = await gateway.CallToolAsync(fixture.AdminKey, "utilities__uuid_v4", Ct);
        Assert.False(call.GetProperty("result").TryGetProperty("isError", out var isError) && isError.GetBoolean());
    }

    [Fact]
    public async Task BadInput_IsAnsweredWithProblemDetails()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: false);
        var gateway = await fixture.StartGatewayAsync("--Logging:LogLevel:Default=Warning");

        await AssertProblemAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "/servers", new JsonObject { ["name"] = "Bad_Name", ["url"] = "http://127.0.0.1:1/mcp" }, "not a valid server name");
        await AssertProblemAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "/servers", new JsonObject { ["name"] = "ftp", ["url"] = "ftp://127.0.0.1/mcp" }, "absolute http:// or https:// URL");
        await AssertProblemAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "/servers", new JsonObject { ["name"] = "nowhere" }, "'url'");
        await AssertProblemAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "/servers", new JsonObject { ["name"] = "both", ["url"] = "http://127.0.0.1:1/mcp", ["command"] = "cat" }, "not both");
        await AssertProblemAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "/servers", new JsonObject { ["name"] = "slow", ["url"] = "http://127.0.0.1:1/mcp", ["timeout"] = "00:00:00" }, "Timeout");
        await AssertProblemAsync(HttpStatusCode.BadRequest, HttpMethod.Post, "/servers", new JsonObject { ["name"] = "odd", ["url"] = "http://127.0.0.1:1/mcp", ["pinning"] = "sometimes" }, null);
        await AssertProblemAsync(HttpStatusCode.Conflict, HttpMethod.Post, "/servers", new JsonObject { ["name"] = "utilities", ["url"] = "http://127.0.0.1:1/mcp" }, "taken");
        await AssertProblemAsync(HttpStatusCode.NotFound, HttpMethod.Get, "/servers/nosuch", null, "nosuch");
        await AssertProblemAsync(HttpStatusCode.NotFound, HttpMethod.Delete, "/servers/nosuch", null, "nosuch");
        await AssertProblemAsync(HttpStatusCode.NotFound, HttpMethod.Post, "/servers/nosuch/approve", new JsonObject(), "nosuch");
        await AssertProblemAsync(HttpStatusCode.NotFound, HttpMethod.Post, "/servers/nosuch/test", null, "nosuch");
        await AssertProblemAsync(HttpStatusCode.Conflict, HttpMethod.Delete, "/servers/utilities", null, "configuration");

        var cli = await fixture.CliAsync("servers", "add", "Bad_Name", "--url", "http://127.0.0.1:1/mcp");
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("not a valid server name", cli.Output, StringComparison.Ordinal);
        cli = await fixture.CliAsync("servers", "add", "secret", "--url", "http://127.0.0.1:1/mcp", "--header", "=hunter2");
        Assert.Equal(1, cli.ExitCode);
        Assert.DoesNotContain("hunter2", cli.Output, StringComparison.Ordinal);
        Assert.Equal(1, (await fixture.CliAsync("servers", "remove", "nosuch")).ExitCode);

        async Task AssertProblemAsync(HttpStatusCode expected, HttpMethod method, string path, JsonNode? body, string? detail)
        {
            var (status, problem) = await fixture.ApiAsync(gateway, method, path, body);
            Assert.Equal(expected, status);
            Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
            if (detail is not null)
            {
                Assert.Contains(detail, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            }
        }
    }

    private static async Task AssertServedAsync(RegistryFixture fixture, Cli.GatewayProcess gateway, string server)
    {
        await Poll.UntilAsync(
            async () => (await fixture.ToolNamesAsync(gateway)).Contains($"{server}__{EverythingTool}"),
            RegistryFixture.Timeout,
            $"{server}__{EverythingTool} was not listed on {gateway.Url}");
        var result = await gateway.CallToolAsync(fixture.AdminKey, $"{server}__{EverythingTool}", Ct);
        Assert.True(result.TryGetProperty("result", out var answer), result.ToString());
        Assert.Equal(EverythingText, answer.GetProperty("content")[0].GetProperty("text").GetString());
    }

    /// <summary>
    /// A 2025-11-25 session opened with raw HTTP: initialize, initialized, then the GET stream on which the gateway
    /// sends notifications, read line by line.
    /// </summary>
    private sealed class SessionStream : IAsyncDisposable
    {
        private readonly HttpClient _http;
        private readonly HttpResponseMessage _stream;
        private readonly StreamReader _reader;

        private SessionStream(HttpClient http, HttpResponseMessage stream, StreamReader reader) => (_http, _stream, _reader) = (http, stream, reader);

        public static async Task<SessionStream> OpenAsync(string gatewayUrl, string key)
        {
            using var http = new HttpClient();
            var endpoint = new Uri($"{gatewayUrl}/mcp");
            using var initialize = Post(endpoint, key, null, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"registry-test","version":"1"}}}""");
            using var initialized = await http.SendAsync(initialize, Ct);
            Assert.Equal(HttpStatusCode.OK, initialized.StatusCode);
            string sessionId = initialized.Headers.GetValues("Mcp-Session-Id").Single();
            using var notify = Post(endpoint, key, sessionId, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
            Assert.Equal(HttpStatusCode.Accepted, (await http.SendAsync(notify, Ct)).StatusCode);

            using var get = new HttpRequestMessage(HttpMethod.Get, endpoint);
            get.Headers.Add("Authorization", $"Bearer {key}");
            get.Headers.Add("Mcp-Session-Id", sessionId);
            get.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            get.Headers.Accept.ParseAdd("text/event-stream");
            var streamHttp = new HttpClient { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
            var stream = await streamHttp.SendAsync(get, HttpCompletionOption.ResponseHeadersRead, Ct).WaitAsync(TimeSpan.FromSeconds(60), Ct);
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            return new SessionStream(streamHttp, stream, new StreamReader(await stream.Content.ReadAsStreamAsync(Ct)));
        }

        public async Task WaitForAsync(string method, TimeSpan timeout)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            deadline.CancelAfter(timeout);
            while (await _reader.ReadLineAsync(deadline.Token) is { } line)
            {
                if (line.StartsWith("data:", StringComparison.Ordinal) && line.Contains($"\"method\":\"{method}\"", StringComparison.Ordinal))
                {
                    return;
                }
            }

            Assert.Fail($"the session stream ended before {method}");
        }

        public ValueTask DisposeAsync()
        {
            _reader.Dispose();
            _stream.Dispose();
            _http.Dispose();
            return ValueTask.CompletedTask;
        }

        private static HttpRequestMessage Post(Uri endpoint, string key, string? sessionId, string body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
            request.Headers.Add("Authorization", $"Bearer {key}");
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            if (sessionId is not null)
            {
                request.Headers.Add("Mcp-Session-Id", sessionId);
                request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            }

            return request;
        }
    }
}
