using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using Switchboard.Errors;
using Switchboard.Gateway.Tests.Federation;
using Switchboard.Gateway.Tests.Interop;
using Switchboard.Gateway.Tests.Protocol;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// Sessionless 2026-07-28 requests, and 2025-11-25 ones without a session, served on the pooled servers of the published gateway
/// (<c>SessionlessFastPath</c>, issue 18): a pooled server serves one request after another, for any caller, so
/// these look for what would leak between them — a caller's principal, a request id, a cancelled call — and check
/// that the pool follows the registry as servers come and go.
/// </summary>
public sealed class SessionlessFastPathTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // Hundreds of calls in a moment from one key, which the default limits would refuse.
    private static readonly string[] NoRateLimits =
    [
        "--RateLimits:Default:PerPrincipal:Permits=1000000", "--RateLimits:Default:PerPrincipal:Burst=1000000",
        "--RateLimits:Default:PerPrincipalTool:Permits=1000000", "--RateLimits:Default:PerPrincipalTool:Burst=1000000",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ConcurrentCallers_WithDifferentRoles_AndTheSameRequestId_EachGetTheirOwnAnswerAndPolicy()
    {
        await using var gateway = await PublishedGateway.StartServeAsync(NoRateLimits);
        using var http = new HttpClient();
        string agent = await CreateKeyAsync(http, gateway, "agent");
        string viewer = await CreateKeyAsync(http, gateway, "viewer");

        // Every request has id 7 (StatelessRequest); many at once, so pooled servers are reused across both callers.
        var calls = Enumerable.Range(0, 200).Select(async i =>
        {
            bool asAgent = i % 2 == 0;
            var answer = await StatelessRequest.CallToolAsync(
                http, gateway.Endpoint("/mcp"), asAgent ? agent : viewer, "utilities__math_evaluate", new JsonObject { ["expression"] = $"{i} * 3" });
            return (i, asAgent, answer);
        });

        foreach (var (i, asAgent, answer) in await Task.WhenAll(calls))
        {
            Assert.Equal(7, answer.Message.GetProperty("id").GetInt32());
            if (asAgent)
            {
                Assert.Null(answer.ErrorCode);
                Assert.Equal(i * 3, answer.Result.GetProperty("structuredContent").GetProperty("value").GetDouble());
            }
            else
            {
                Assert.Equal((int)SwitchboardErrorCodes.PermissionDenied, answer.ErrorCode);
            }
        }
    }

    [Fact]
    public async Task ConcurrentCallers_WithToolLevelRoles_OnBothViews_EachGetTheirOwnListAndDecisions()
    {
        await using var gateway = await PublishedGateway.StartServeAsync(NoRateLimits);
        using var http = new HttpClient();
        string math = await CreateRoleKeyAsync(http, gateway, "math-only", "tools:call utilities/math_evaluate");
        string uuid = await CreateRoleKeyAsync(http, gateway, "uuid-only", "tools:call utilities/uuid_*");
        (string Key, string Allowed, string Denied)[] callers = [(math, "math_evaluate", "uuid_v4"), (uuid, "uuid_v4", "math_evaluate")];
        (string Path, string Prefix)[] views = [("/mcp", "utilities__"), ("/servers/utilities/mcp", string.Empty)];

        // What each caller is listed on each view, one request at a time.
        var expected = new Dictionary<(int, int), string>();
        for (int c = 0; c < callers.Length; c++)
        {
            for (int v = 0; v < views.Length; v++)
            {
                expected[(c, v)] = ToolNames(await StatelessRequest.SendAsync(http, gateway.Endpoint(views[v].Path), callers[c].Key, "tools/list"));
            }
        }

        Assert.Equal("utilities__math_evaluate", expected[(0, 0)]);
        Assert.Equal("math_evaluate", expected[(0, 1)]);
        Assert.Contains("utilities__uuid_v4", expected[(1, 0)], StringComparison.Ordinal);
        Assert.DoesNotContain("math", expected[(1, 0)] + expected[(1, 1)], StringComparison.Ordinal);

        // Then all at once, so every pooled server serves both callers: each list, allowed and denied call is the caller's own.
        var requests = Enumerable.Range(0, 240).Select(async i =>
        {
            int c = i % 2, v = i / 2 % 2, kind = i / 4 % 3;
            var (key, allowed, denied) = callers[c];
            var (path, prefix) = views[v];
            var endpoint = gateway.Endpoint(path);
            string what = $"request {i}: caller {c} on {path}, kind {kind}";
            switch (kind)
            {
                case 0:
                    Assert.True(expected[(c, v)] == ToolNames(await StatelessRequest.SendAsync(http, endpoint, key, "tools/list")), what);
                    break;
                case 1:
                    var arguments = allowed == "math_evaluate" ? new JsonObject { ["expression"] = $"{i} * 3" } : new JsonObject();
                    var answer = await StatelessRequest.CallToolAsync(http, endpoint, key, prefix + allowed, arguments);
                    Assert.True(answer.ErrorCode is null, $"{what}: {answer.Message}");
                    Assert.False(answer.Result.TryGetProperty("isError", out var isError) && isError.ValueKind == JsonValueKind.True, $"{what}: {answer.Message}");
                    if (allowed == "math_evaluate")
                    {
                        Assert.Equal(i * 3, answer.Result.GetProperty("structuredContent").GetProperty("value").GetDouble());
                    }

                    break;
                default:
                    var refused = await StatelessRequest.CallToolAsync(http, endpoint, key, prefix + denied, denied == "math_evaluate" ? new JsonObject { ["expression"] = "1" } : new JsonObject());
                    Assert.True((int)SwitchboardErrorCodes.PermissionDenied == refused.ErrorCode, $"{what}: {refused.Message}");
                    break;
            }
        });
        await Task.WhenAll(requests);
    }

    [Fact]
    public async Task ClientCapabilities_AreEachRequestsOwn_NeverLeftInAPooledServerForTheNextCaller()
    {
        await using var gateway = await PublishedGateway.StartServeAsync(NoRateLimits);
        using var http = new HttpClient();
        var endpoint = gateway.Endpoint("/mcp");

        // The tool answers only a request that declares sampling. One after the other (each finds the server the one
        // before used), then many at once.
        async Task<(bool Declared, StatelessRequest.Answer Answer)> CallDeclaringAsync(bool declared) =>
            (declared, await StatelessRequest.SendAsync(
                http, endpoint, gateway.AdminKey, "tools/call", new JsonObject { ["name"] = "everything__test_missing_capability", ["arguments"] = new JsonObject() },
                clientCapabilities: declared ? new JsonObject { ["sampling"] = new JsonObject() } : new JsonObject()));

        var answers = new List<(bool Declared, StatelessRequest.Answer Answer)>();
        for (int i = 0; i < 6; i++)
        {
            answers.Add(await CallDeclaringAsync(i % 2 == 1));
        }

        answers.AddRange(await Task.WhenAll(Enumerable.Range(0, 100).Select(i => CallDeclaringAsync(i % 2 == 0))));

        foreach (var (declared, answer) in answers)
        {
            if (declared)
            {
                Assert.True(answer.ErrorCode is null, answer.Message.ToString());
            }
            else
            {
                Assert.True((int)McpErrorCode.MissingRequiredClientCapability == answer.ErrorCode, answer.Message.ToString());
            }
        }
    }

    private static string ToolNames(StatelessRequest.Answer answer)
    {
        Assert.True(answer.ErrorCode is null, answer.Message.ToString());
        return string.Join(' ', answer.Result.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
    }

    private static async Task<string> CreateRoleKeyAsync(HttpClient http, PublishedGateway gateway, string role, string permission)
    {
        using (var put = await AdminAsync(http, gateway, HttpMethod.Put, $"/api/v1/roles/{role}", new JsonObject { ["permissions"] = new JsonArray(permission) }))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(Ct));
        }

        return await CreateKeyAsync(http, gateway, role);
    }

    [Fact]
    public async Task SequentialCalls_AreServedByOnePooledServer_NotOneBuiltPerRequest()
    {
        var management = new Uri(LoopbackPort.NextUrl());
        await using var gateway = await PublishedGateway.StartServeAsync([.. NoRateLimits, $"--Management:Urls={management}"]);
        using var http = new HttpClient();

        for (int i = 0; i < 40; i++)
        {
            Assert.Null((await CallAsync(http, gateway, "/mcp", "utilities__uuid_v4")).ErrorCode);
        }

        // The SDK's own path builds no pooled server (the counter stays absent); a pool that did not reuse would build 40.
        // A server goes back to the pool just after its answer is sent, so the next call may find it not yet back: a few.
        Assert.InRange(await PooledServersCreatedAsync(http, management), 1, 4);
    }

    [Fact]
    public async Task StatelessCalls2025_WhenTheGatewayKeepsNoSessions_AreServedByOnePooledServer()
    {
        var management = new Uri(LoopbackPort.NextUrl());
        await using var gateway = await PublishedGateway.StartServeAsync([.. NoRateLimits, "--Gateway:Sessions=Stateless", $"--Management:Urls={management}"]);
        using var http = new HttpClient();

        for (int i = 0; i < 40; i++)
        {
            var answer = await Call2025Async(http, gateway, "utilities__math_evaluate", new JsonObject { ["expression"] = $"{i} + 1" });
            Assert.Equal(i + 1, answer.Result.GetProperty("structuredContent").GetProperty("value").GetDouble());
        }

        // Served by the SDK, these would build no pooled server; a pool that did not reuse would build 40.
        Assert.InRange(await PooledServersCreatedAsync(http, management), 1, 4);
    }

    [Fact]
    public async Task Callers2025And2026_NeverShareAServer_EachRevisionGetsItsOwn()
    {
        var management = new Uri(LoopbackPort.NextUrl());
        await using var gateway = await PublishedGateway.StartServeAsync([.. NoRateLimits, "--Gateway:Sessions=Stateless", $"--Management:Urls={management}"]);
        using var http = new HttpClient();

        // One after the other, so a shared pool would hand each the server the other just used. The SDK fixes a
        // server's protocol version at its first request and refuses a request of another on it.
        for (int i = 0; i < 20; i++)
        {
            var modern = await StatelessRequest.CallToolAsync(http, gateway.Endpoint("/mcp"), gateway.AdminKey, "utilities__math_evaluate", new JsonObject { ["expression"] = $"{i} * 2" });
            Assert.Null(modern.ErrorCode);
            Assert.Equal(i * 2, modern.Result.GetProperty("structuredContent").GetProperty("value").GetDouble());

            var older = await Call2025Async(http, gateway, "utilities__math_evaluate", new JsonObject { ["expression"] = $"{i} * 5" });
            Assert.Equal(i * 5, older.Result.GetProperty("structuredContent").GetProperty("value").GetDouble());
        }

        // One server for each revision (a few more if a call found its server not back yet), not one per call.
        Assert.InRange(await PooledServersCreatedAsync(http, management), 2, 8);
    }

    [Fact]
    public async Task StatelessCall2025_InHybridMode_IsStillRefusedWithoutASession()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var http = new HttpClient();

        using var request = Request2025(gateway, "utilities__uuid_v4", []);
        using var response = await http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        Assert.Contains("without an Mcp-Session-Id", body.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InputRequiredRoundTrip_AndTaskAugmentedCall_AreServed()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var http = new HttpClient();
        var endpoint = gateway.Endpoint("/mcp");
        const string MultiRound = "everything__test_input_required_result_multi_round";

        var first = await StatelessRequest.CallToolAsync(http, endpoint, gateway.AdminKey, MultiRound);
        var second = await StatelessRequest.CallToolAsync(http, endpoint, gateway.AdminKey, MultiRound, inputResponses: new JsonObject { ["step1"] = StatelessRequest.Accept(new JsonObject { ["name"] = "Ada" }) }, requestState: first.Result.GetProperty("requestState").GetString());
        var third = await StatelessRequest.CallToolAsync(http, endpoint, gateway.AdminKey, MultiRound, inputResponses: new JsonObject { ["step2"] = StatelessRequest.Accept(new JsonObject { ["color"] = "blue" }) }, requestState: second.Result.GetProperty("requestState").GetString());

        Assert.Equal("input_required", first.Result.GetProperty("resultType").GetString());
        Assert.Equal("input_required", second.Result.GetProperty("resultType").GetString());
        Assert.Equal("Ada likes blue.", third.Result.GetProperty("content")[0].GetProperty("text").GetString());

        static JsonObject Tasks() => new() { ["extensions"] = new JsonObject { ["io.modelcontextprotocol/tasks"] = new JsonObject() } };
        var created = await StatelessRequest.SendAsync(
            http, endpoint, gateway.AdminKey, "tools/call",
            new JsonObject { ["name"] = "everything__slow_compute", ["arguments"] = new JsonObject { ["seconds"] = 0, ["label"] = "pooled" } },
            clientCapabilities: Tasks());
        Assert.Equal("task", created.Result.GetProperty("resultType").GetString());
        string taskId = created.Result.GetProperty("taskId").GetString()!;
        JsonElement task = default;
        await Poll.UntilAsync(
            async () =>
            {
                var got = await StatelessRequest.SendAsync(http, endpoint, gateway.AdminKey, "tasks/get", new JsonObject { ["taskId"] = taskId }, headers: new Dictionary<string, string?> { ["Mcp-Name"] = taskId }, clientCapabilities: Tasks());
                task = got.Result;
                return task.GetProperty("status").GetString() is "completed" or "failed" or "cancelled";
            },
            Patience,
            "the task did not finish");
        Assert.Equal("completed", task.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ClientDisconnectsMidCall_TheToolIsCancelled_AndLaterCallsAreServed()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var gateway = await PublishedGateway.StartServeAsync($"--Servers:faulty:Url={upstream.Url}", "--Servers:faulty:Pinning=Off", "--Servers:faulty:Timeout=00:10:00");
        using var http = new HttpClient();
        await Poll.UntilAsync(async () => (await CallAsync(http, gateway, "/mcp", "faulty__read")).ErrorCode is null, Patience, "the upstream's tools were not served");

        using var disconnect = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var slow = SendRawAsync(http, gateway, "/mcp", "faulty__slow", disconnect.Token);
        await upstream.SlowStarted.Task.WaitAsync(Patience, Ct);
        await disconnect.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        await upstream.SlowCancelled.Task.WaitAsync(Patience, Ct);
        var after = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CallAsync(http, gateway, "/mcp", "faulty__read")));
        Assert.All(after, answer => Assert.Equal("read", answer.Result.GetProperty("content")[0].GetProperty("text").GetString()));
    }

    [Fact]
    public async Task ServerAddedAndRemovedAtRunTime_IsServedThenRefused_AndServedAgainWhenAddedBack()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var http = new HttpClient();
        // Pooled servers for /mcp exist before the change.
        Assert.Null((await CallAsync(http, gateway, "/mcp", "utilities__uuid_v4")).ErrorCode);

        for (int round = 0; round < 2; round++)
        {
            using (var added = await AdminAsync(http, gateway, HttpMethod.Post, "/api/v1/servers", new JsonObject { ["name"] = "late", ["url"] = upstream.Url.ToString(), ["pinning"] = "warn" }))
            {
                Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            }

            await Poll.UntilAsync(
                async () => (await CallAsync(http, gateway, "/servers/late/mcp", "read")).ErrorCode is null && (await CallAsync(http, gateway, "/mcp", "late__read")).ErrorCode is null,
                Patience,
                "the added server was not served");

            using (var removed = await AdminAsync(http, gateway, HttpMethod.Delete, "/api/v1/servers/late", null))
            {
                Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
            }

            await Poll.UntilAsync(
                async () => (await CallAsync(http, gateway, "/mcp", "late__read")).ErrorCode is not null,
                Patience,
                "the removed server's tool was still served on /mcp");
            using var gone = await SendRawAsync(http, gateway, "/servers/late/mcp", "read", Ct);
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }

        Assert.Null((await CallAsync(http, gateway, "/mcp", "utilities__uuid_v4")).ErrorCode);
    }

    // A tools/call as a 2025-11-25 client without a session sends it: the version header, no _meta, no Mcp-* headers.
    private static HttpRequestMessage Request2025(PublishedGateway gateway, string tool, JsonObject arguments)
    {
        var message = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 7,
            ["method"] = "tools/call",
            ["params"] = new JsonObject { ["name"] = tool, ["arguments"] = arguments },
        };
        return gateway.Post("/mcp", message, "2025-11-25");
    }

    private static async Task<StatelessRequest.Answer> Call2025Async(HttpClient http, PublishedGateway gateway, string tool, JsonObject arguments)
    {
        using var request = Request2025(gateway, tool, arguments);
        using var response = await http.SendAsync(request, Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, text);
        string json = text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()).Last(l => l.Contains("\"id\"", StringComparison.Ordinal));
        var answer = new StatelessRequest.Answer(response.StatusCode, JsonDocument.Parse(json).RootElement.Clone());
        Assert.Null(answer.ErrorCode);
        return answer;
    }

    private static async Task<double> PooledServersCreatedAsync(HttpClient http, Uri management)
    {
        string metrics = await http.GetStringAsync(new Uri(management, "/metrics"), Ct);
        return metrics.Split('\n').Where(l => l.StartsWith("switchboard_mcp_pooled_servers_created_total{", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static Task<StatelessRequest.Answer> CallAsync(HttpClient http, PublishedGateway gateway, string path, string tool) =>
        StatelessRequest.CallToolAsync(http, gateway.Endpoint(path), gateway.AdminKey, tool);

    // A tools/call the caller may abandon: StatelessRequest's request, with a token of the test's own.
    private static Task<HttpResponseMessage> SendRawAsync(HttpClient http, PublishedGateway gateway, string path, string tool, CancellationToken cancellationToken)
    {
        var message = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 7,
            ["method"] = "tools/call",
            ["params"] = new JsonObject
            {
                ["name"] = tool,
                ["arguments"] = new JsonObject(),
                ["_meta"] = new JsonObject
                {
                    ["io.modelcontextprotocol/protocolVersion"] = StatelessRequest.Revision,
                    ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
                },
            },
        };
        var request = gateway.Post(path, message, StatelessRequest.Revision);
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", tool);
        return http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
    }

    private static async Task<string> CreateKeyAsync(HttpClient http, PublishedGateway gateway, string role)
    {
        using var response = await AdminAsync(http, gateway, HttpMethod.Post, "/api/v1/keys", new JsonObject { ["name"] = $"{role}-{Guid.NewGuid():N}", ["roles"] = new JsonArray(role) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return body.RootElement.GetProperty("key").GetString()!;
    }

    private static async Task<HttpResponseMessage> AdminAsync(HttpClient http, PublishedGateway gateway, HttpMethod method, string path, JsonObject? body)
    {
        using var request = new HttpRequestMessage(method, gateway.Endpoint(path)) { Content = body is null ? null : JsonContent.Create(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);
        return await http.SendAsync(request, Ct);
    }
}
