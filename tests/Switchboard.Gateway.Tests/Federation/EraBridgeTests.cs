using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Protocol;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// Sessions across protocol eras and replicas, with real processes: <c>switchboard mcp everything</c> as a remote HTTP
/// upstream of two published gateways that share one database and have no affinity. Its input-required results
/// reach a 2026-07-28 caller with the upstream's state sealed inside the gateway's, so the rounds may alternate
/// between replicas; a session-based caller is asked with real requests, and the upstream's log messages and progress
/// reach it; a session that reaches the other replica gets a clean error at once.
/// </summary>
public sealed class EraBridgeTests : IAsyncLifetime
{
    private const string Remote = "/servers/remote/mcp";
    // The same upstream, spoken to at 2025-11-25: it asks inside its session, and waits for the answer.
    private const string SessionBased = "/servers/sessioned/mcp";
    private static readonly TimeSpan PendingCallTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-eras-").FullName;
    private readonly string _gatewayKey = ApiKeyFormat.Generate().Key;
    private readonly string _upstreamKey = ApiKeyFormat.Generate().Key;
    private readonly HttpClient _http = new();
    private System.Diagnostics.Process _upstream = null!;
    private GatewayProcess _first = null!;
    private GatewayProcess _second = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        string upstreamUrl = LoopbackPort.NextUrl();
        _upstream = await EverythingUpstream.StartAsync(upstreamUrl, _upstreamKey, Directory.CreateDirectory(Path.Combine(_workingDirectory, "upstream")).FullName, Timeout);
        string database = Path.Combine(_workingDirectory, "shared.db");
        // One after the other: the first creates the shared database and the administrator key both accept.
        _first = await StartReplicaAsync("first", upstreamUrl, database);
        _second = await StartReplicaAsync("second", upstreamUrl, database);
    }

    [Fact]
    public async Task InputRequiredRounds_ReachA2026Caller_AndAlternateBetweenReplicas()
    {
        const string Tool = "test_input_required_result_multi_round";

        var first = await StatelessRequest.CallToolAsync(_http, Endpoint(_first), _gatewayKey, Tool);
        AssertAsks(first, "step1");
        var second = await StatelessRequest.CallToolAsync(_http, Endpoint(_second), _gatewayKey, Tool, inputResponses: Answer("step1", "name", "Ada"), requestState: StateOf(first));
        AssertAsks(second, "step2");
        var third = await StatelessRequest.CallToolAsync(_http, Endpoint(_first), _gatewayKey, Tool, inputResponses: Answer("step2", "color", "teal"), requestState: StateOf(second));
        var tampered = await StatelessRequest.CallToolAsync(_http, Endpoint(_second), _gatewayKey, Tool, inputResponses: Answer("step2", "color", "teal"), requestState: StateOf(second)[..^3] + "AAA");
        var otherTool = await StatelessRequest.CallToolAsync(_http, Endpoint(_second), _gatewayKey, "test_input_required_result_request_state", inputResponses: Answer("step2", "color", "teal"), requestState: StateOf(second));

        Assert.Equal("complete", third.Result.GetProperty("resultType").GetString());
        Assert.Equal("Ada likes teal.", third.Result.GetProperty("content")[0].GetProperty("text").GetString());
        // The gateway checks its own seal before anything reaches the upstream.
        Assert.All([tampered, otherTool], refused => Assert.Equal(-32602, refused.ErrorCode));
        Assert.Contains("Server 'remote'", tampered.Message.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A2026Caller_OfASessionBasedUpstream_IsAskedWithInputRequired_AndOnlyTheHoldingReplicaContinues()
    {
        JsonObject Arguments() => new() { ["message"] = "Who are you?" };
        var answer = new JsonObject { ["q1"] = StatelessRequest.Accept(new JsonObject { ["username"] = "Ada", ["email"] = "ada@example.com" }) };

        var asked = await StatelessRequest.CallToolAsync(_http, Endpoint(_first, SessionBased), _gatewayKey, "test_elicitation", Arguments());
        AssertAsks(asked, "q1");
        var question = asked.Result.GetProperty("inputRequests").GetProperty("q1");
        var elsewhere = await StatelessRequest.CallToolAsync(_http, Endpoint(_second, SessionBased), _gatewayKey, "test_elicitation", Arguments(), (JsonObject)answer.DeepClone(), StateOf(asked)).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var done = await StatelessRequest.CallToolAsync(_http, Endpoint(_first, SessionBased), _gatewayKey, "test_elicitation", Arguments(), (JsonObject)answer.DeepClone(), StateOf(asked));

        Assert.Equal("elicitation/create", question.GetProperty("method").GetString());
        Assert.Equal("Who are you?", question.GetProperty("params").GetProperty("message").GetString());
        AssertPendingCallGone(elsewhere);
        Assert.Equal("complete", done.Result.GetProperty("resultType").GetString());
        Assert.Contains("Ada", done.Result.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);

        // Sampling the same way: the answer is the caller's CreateMessageResult.
        var sampling = await StatelessRequest.CallToolAsync(_http, Endpoint(_second, SessionBased), _gatewayKey, "test_sampling", new JsonObject { ["prompt"] = "6 times 7?" });
        AssertAsks(sampling, "q1");
        var sampled = new JsonObject
        {
            ["q1"] = new JsonObject { ["role"] = "assistant", ["content"] = new JsonObject { ["type"] = "text", ["text"] = "42" }, ["model"] = "test-model" },
        };
        var sampledResult = await StatelessRequest.CallToolAsync(_http, Endpoint(_second, SessionBased), _gatewayKey, "test_sampling", new JsonObject { ["prompt"] = "6 times 7?" }, sampled, StateOf(sampling));
        Assert.Equal("sampling/createMessage", sampling.Result.GetProperty("inputRequests").GetProperty("q1").GetProperty("method").GetString());
        Assert.Equal("LLM response: 42", sampledResult.Result.GetProperty("content")[0].GetProperty("text").GetString());

        // Unanswered past PendingCallTimeout, the upstream call is cancelled; a late answer is refused at once.
        int expiredBefore = ExpiredPendingCalls(_first);
        var expiring = await StatelessRequest.CallToolAsync(_http, Endpoint(_first, SessionBased), _gatewayKey, "test_elicitation", Arguments());
        AssertAsks(expiring, "q1");
        // The expiry is a timer in the replica, which a busy machine runs late: wait for the replica to say it dropped
        // the call (it logs that once the call is gone), not for a fixed time.
        await Poll.UntilAsync(() => ExpiredPendingCalls(_first) > expiredBefore, TimeSpan.FromSeconds(60), $"the pending call did not expire{Environment.NewLine}{_first.Output}");
        var late = await StatelessRequest.CallToolAsync(_http, Endpoint(_first, SessionBased), _gatewayKey, "test_elicitation", Arguments(), (JsonObject)answer.DeepClone(), StateOf(expiring)).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        AssertPendingCallGone(late);
    }

    [Fact]
    public async Task AnotherPrincipal_HoldingTheRequestState_CannotAnswerTheCall_TheCallerStillCan()
    {
        string otherKey = await CreateKeyAsync(_first);
        JsonObject Arguments() => new() { ["message"] = "Who are you?" };
        JsonObject Eve() => new() { ["q1"] = StatelessRequest.Accept(new JsonObject { ["username"] = "Eve", ["email"] = "eve@example.com" }) };

        // The upstream's own state, sealed inside the gateway's; and a call pending on a session-based upstream.
        var rounds = await StatelessRequest.CallToolAsync(_http, Endpoint(_first), _gatewayKey, "test_input_required_result_multi_round");
        var pending = await StatelessRequest.CallToolAsync(_http, Endpoint(_first, SessionBased), _gatewayKey, "test_elicitation", Arguments());
        var stolenRounds = await StatelessRequest.CallToolAsync(_http, Endpoint(_second), otherKey, "test_input_required_result_multi_round", inputResponses: Answer("step1", "name", "Eve"), requestState: StateOf(rounds));
        var stolenPending = await StatelessRequest.CallToolAsync(_http, Endpoint(_first, SessionBased), otherKey, "test_elicitation", Arguments(), Eve(), StateOf(pending)).WaitAsync(TimeSpan.FromSeconds(10), Ct);
        var owners = await StatelessRequest.CallToolAsync(_http, Endpoint(_first, SessionBased), _gatewayKey, "test_elicitation", Arguments(), Eve(), StateOf(pending));

        // Refused as a state made for another request: the other principal learns nothing of the call.
        Assert.All([stolenRounds, stolenPending], refused =>
        {
            Assert.Equal(-32602, refused.ErrorCode);
            Assert.Contains("issued for another request", refused.Message.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        });
        Assert.Equal("complete", owners.Result.GetProperty("resultType").GetString());
        Assert.Contains("Eve", owners.Result.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpstreamRefusal_ReachesTheCallerAsTheUpstreamSentIt()
    {
        // The SDK server sends -32021 as an event stream with HTTP 400, which its client cannot read.
        var refused = await StatelessRequest.SendAsync(
            _http, Endpoint(_first), _gatewayKey, "tools/call", new JsonObject { ["name"] = "test_missing_capability", ["arguments"] = new JsonObject() }, clientCapabilities: []);

        Assert.Equal(-32021, refused.ErrorCode);
    }

    [Fact]
    public async Task TasksDeclaringCaller_OfARemoteTaskTool_GetsAGatewayTask_AnsweredByEitherReplica()
    {
        // The upstream runs slow_compute as a task of its own; the caller gets the gateway's task, which follows it.
        var capabilities = new JsonObject { ["extensions"] = new JsonObject { ["io.modelcontextprotocol/tasks"] = new JsonObject() } };
        var arguments = new JsonObject { ["seconds"] = 0, ["label"] = "followed" };
        await Poll.UntilAsync(
            async () => (await StatelessRequest.SendAsync(_http, Endpoint(_first), _gatewayKey, "tools/list")).Result.GetProperty("tools").EnumerateArray()
                .Any(t => t.GetProperty("name").GetString() == "slow_compute" && t.TryGetProperty("execution", out _)),
            Timeout,
            "the upstream's task support was not listed");

        var created = await StatelessRequest.SendAsync(
            _http, Endpoint(_first), _gatewayKey, "tools/call", new JsonObject { ["name"] = "slow_compute", ["arguments"] = arguments }, clientCapabilities: (JsonObject)capabilities.DeepClone());
        Assert.Equal("task", created.Result.GetProperty("resultType").GetString());
        string taskId = created.Result.GetProperty("taskId").GetString()!;

        JsonElement task = default;
        await Poll.UntilAsync(
            async () =>
            {
                var get = await StatelessRequest.SendAsync(
                    _http, Endpoint(_second), _gatewayKey, "tasks/get", new JsonObject { ["taskId"] = taskId }, new Dictionary<string, string?> { ["Mcp-Name"] = taskId }, (JsonObject)capabilities.DeepClone());
                task = get.Result;
                return task.GetProperty("status").GetString() != "working";
            },
            Timeout,
            "the remote task did not finish");
        Assert.Equal("completed", task.GetProperty("status").GetString());
        Assert.Equal("Computed followed after 0 s.", task.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task SessionCaller_IsAskedWithRealRequests_AndGetsTheUpstreamsLogsAndProgress()
    {
        var asked = new ConcurrentQueue<string>();
        var logs = new ConcurrentQueue<string>();
        var options = new McpClientOptions
        {
            ProtocolVersion = "2025-11-25",
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (request, _) =>
                {
                    asked.Enqueue(request!.Message);
                    var content = request.RequestedSchema?.Properties.Keys.ToDictionary(k => k, k => JsonSerializer.SerializeToElement(k == "email" ? "ada@example.com" : "Ada"));
                    return ValueTask.FromResult(new ElicitResult { Action = "accept", Content = content });
                },
            },
        };
        await using var client = await McpClient.CreateAsync(Transport(_first), options, cancellationToken: Ct);
        await using var logging = client.RegisterNotificationHandler(NotificationMethods.LoggingMessageNotification, (n, _) =>
        {
            logs.Enqueue(n.Params?["data"]?.ToJsonString() ?? string.Empty);
            return ValueTask.CompletedTask;
        });

        // MRTR at the upstream (2026-07-28), answered by a real elicitation/create to this session.
        var mrtr = await client.CallToolAsync("test_input_required_result_elicitation", cancellationToken: Ct);
        // elicitation/create sent by the upstream inside the session the gateway opened for this one.
        var elicited = await client.CallToolAsync("test_elicitation", new Dictionary<string, object?> { ["message"] = "Who are you?" }, cancellationToken: Ct);
#pragma warning disable MCP9005 // logging/setLevel is what a session-based client uses
        await client.SetLoggingLevelAsync(LoggingLevel.Debug, cancellationToken: Ct);
#pragma warning restore MCP9005
        await client.CallToolAsync("test_tool_with_logging", cancellationToken: Ct);
        var progress = new ConcurrentQueue<float>();
        await client.CallToolAsync("test_tool_with_progress", progress: new SynchronousProgress(p => progress.Enqueue(p.Progress)), cancellationToken: Ct);

        Assert.Equal("Hello, Ada!", Assert.IsType<TextContentBlock>(Assert.Single(mrtr.Content)).Text);
        Assert.Contains("Ada", Assert.IsType<TextContentBlock>(elicited.Content[0]).Text, StringComparison.Ordinal);
        Assert.Equal(["What is your name?", "Who are you?"], asked);
        await Poll.UntilAsync(() => Task.FromResult(logs.Count >= 3), TimeSpan.FromSeconds(10), "the upstream's three log messages did not arrive");
        await Poll.UntilAsync(() => Task.FromResult(progress.Count >= 3), TimeSpan.FromSeconds(10), "the upstream's progress did not arrive");
    }

    [Fact]
    public async Task SessionCaller_ReachingTheOtherReplica_GetsACleanErrorAtOnce()
    {
        string session = await InitializeSessionAsync(_first);

        using var request = Post(_second, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 2, ["method"] = "tools/list", ["params"] = new JsonObject() });
        request.Headers.Add("Mcp-Session-Id", session);
        using var response = await _http.SendAsync(request, Ct).WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // The session lives on the replica that opened it: the other says so, and the client starts a new one.
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("\"error\"", await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    private async Task<string> InitializeSessionAsync(GatewayProcess gateway)
    {
        using var request = Post(gateway, new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "initialize",
            ["params"] = new JsonObject { ["protocolVersion"] = "2025-11-25", ["capabilities"] = new JsonObject(), ["clientInfo"] = new JsonObject { ["name"] = "eras", ["version"] = "1" } },
        });
        using var response = await _http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Assert.Single(response.Headers.GetValues("Mcp-Session-Id"));
    }

    private HttpRequestMessage Post(GatewayProcess gateway, JsonObject message)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Endpoint(gateway)) { Content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _gatewayKey);
        return request;
    }

    private HttpClientTransport Transport(GatewayProcess gateway) => new(new HttpClientTransportOptions
    {
        Endpoint = Endpoint(gateway),
        AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {_gatewayKey}" },
    });

    private static Uri Endpoint(GatewayProcess gateway, string server = Remote) => new($"{gateway.Url}{server}");

    private static void AssertPendingCallGone(StatelessRequest.Answer answer)
    {
        Assert.Equal(-32602, answer.ErrorCode);
        var error = answer.Message.GetProperty("error");
        Assert.Equal("pending-call-gone", error.GetProperty("data").GetProperty("reason").GetString());
        Assert.Contains("call the tool again from the start", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    // UpstreamSessions logs this once it has removed an expired call, so a later answer cannot find it.
    private static int ExpiredPendingCalls(GatewayProcess replica) =>
        replica.Output.Split("a pending call expired before the caller answered").Length - 1;

    // A second administrator: another principal, allowed everything the first is.
    private async Task<string> CreateKeyAsync(GatewayProcess gateway)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{gateway.Url}/api/v1/keys")
        {
            Content = new StringContent("{\"name\":\"another-admin\",\"roles\":[\"admin\"]}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _gatewayKey);
        using var response = await _http.SendAsync(request, Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("key").GetString()!;
    }

    private static string StateOf(StatelessRequest.Answer answer) => answer.Result.GetProperty("requestState").GetString()!;

    private static JsonObject Answer(string key, string field, string value) =>
        new() { [key] = StatelessRequest.Accept(new JsonObject { [field] = value }) };

    private static void AssertAsks(StatelessRequest.Answer answer, string key)
    {
        Assert.True(answer.Message.TryGetProperty("result", out _), $"expected a result: {answer.Message}");
        Assert.Equal("input_required", answer.Result.GetProperty("resultType").GetString());
        Assert.True(answer.Result.GetProperty("inputRequests").TryGetProperty(key, out _), $"expected the question '{key}': {answer.Result}");
    }

    private async Task<GatewayProcess> StartReplicaAsync(string name, string upstreamUrl, string database)
    {
        string directory = Directory.CreateDirectory(Path.Combine(_workingDirectory, name)).FullName;
        var gateway = await GatewayProcess.StartAsync(
            [
                "--Gateway:Sessions=Hybrid",
                $"--Identity:BootstrapAdminKey={_gatewayKey}",
                $"--Storage:DataDirectory={directory}",
                $"--Storage:ConnectionString=Data Source={database}",
                $"--Servers:remote:Url={upstreamUrl}/mcp",
                $"--Servers:remote:Headers:Authorization=Bearer {_upstreamKey}",
                $"--Servers:sessioned:Url={upstreamUrl}/mcp",
                $"--Servers:sessioned:Headers:Authorization=Bearer {_upstreamKey}",
                "--Servers:sessioned:ProtocolVersion=2025-11-25",
                $"--Servers:sessioned:PendingCallTimeout={PendingCallTimeout}",
            ],
            directory,
            Timeout);
        await Poll.UntilAsync(
            async () => (await StatelessRequest.SendAsync(_http, Endpoint(gateway), _gatewayKey, "tools/list")).Result.TryGetProperty("tools", out var tools) && tools.GetArrayLength() > 0
                && (await StatelessRequest.SendAsync(_http, Endpoint(gateway, SessionBased), _gatewayKey, "tools/list")).Result.TryGetProperty("tools", out var sessioned) && sessioned.GetArrayLength() > 0,
            Timeout,
            $"the remote server's tools did not appear on {name}");
        return gateway;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (_first is not null)
        {
            await _first.DisposeAsync();
        }

        if (_second is not null)
        {
            await _second.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await ProcessRunner.KillAsync(_upstream);
            _upstream.Dispose();
        }

        Directory.Delete(_workingDirectory, recursive: true);
    }

    private sealed class SynchronousProgress(Action<ProgressNotificationValue> report) : IProgress<ProgressNotificationValue>
    {
        public void Report(ProgressNotificationValue value) => report(value);
    }
}
