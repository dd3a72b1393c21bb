using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;
using static Switchboard.Gateway.Tests.Workflows.RunsApi;

namespace Switchboard.Gateway.Tests.Agents.Director;

/// <summary>
/// The Director end to end through the published executable, its model the fake LLM over HTTP: started through REST
/// (<c>POST /api/v1/director/runs</c>), the MCP tool <c>agents__director</c> (a task) and <c>switchboard director</c>
/// (REST with the key in the environment), each a workflow run of the caller's. A goal that needs the financial and
/// utilities servers is planned, run, re-planned when a step fails, delegated in part to a custom agent, and answered;
/// a budget stops it cleanly with what it had; killed while its plan's run waits, it resumes without planning again.
/// </summary>
public sealed class DirectorTests
{
    private const string Explainer = """
        name: explainer
        description: Explains a loan payment in one sentence.
        instructions: Explain the payment you are given in one sentence.
        provider: fake
        budget: { tokens_in: 5000, tool_calls: 3 }
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Goal_ThroughRest_FailingStepIsReplanned_DelegatesToACustomAgent_AndIsAnsweredAsTheCaller()
    {
        await using var llm = await FakeLlmServer.StartAsync(Ct);
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync(Flags(llm));
        using var admin = Client(gateway, cluster.AdminKey);
        await AddAgentAsync(admin, Explainer);
        using var agent = Client(gateway, await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "planner-key", "agent"));
        await llm.ScriptAsync(
            Plan(Payment(), ToolStep("total", "utilities/math_evaluate", new JsonObject { ["expression"] = "${{ steps.payment.output }} * (10" }, "payment")),
            Plan(Payment(), Delegate("explain", "explainer", "Explain a monthly payment of ${{ steps.payment.output }}.", "payment")),
            new JsonObject { ["text"] = "You pay 1,037.03 each month.", ["usage"] = new JsonObject { ["input"] = 30, ["output"] = 8 } },
            new JsonObject { ["text"] = "Each payment is 1,037.03; ten of them repay the loan." });

        string runId = await StartDirectorAsync(agent, new { goal = "What is my monthly payment on a 10,000 loan at 8% a year over 10 months?" });
        var done = await WaitForAsync(agent, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the Director's run never finished");

        Assert.True(done.GetProperty("state").GetString() == "completed", done.ToString());
        Assert.Equal("director", done.GetProperty("workflow").GetString());
        var output = Step(done, "director").GetProperty("output");
        Assert.True(output.GetProperty("succeeded").GetBoolean(), output.ToString());
        Assert.Equal("Each payment is 1,037.03; ten of them repay the loan.", output.GetProperty("answer").GetString());
        Assert.Equal(-1037.03, output.GetProperty("outputs").GetProperty("payment").GetDouble(), 2);
        Assert.Equal("You pay 1,037.03 each month.", output.GetProperty("outputs").GetProperty("explain").GetProperty("answer").GetString());
        Assert.Equal(["plan", "run-started", "step-failed", "plan", "run-started", "run-completed", "answer"], output.GetProperty("trace").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
        // Planning, re-planning and answering (11 each) and the delegated agent's turn (30); three tool calls.
        Assert.Equal((3 * 11) + 30, output.GetProperty("usage").GetProperty("tokensIn").GetInt64());
        Assert.Equal(3, output.GetProperty("usage").GetProperty("toolCalls").GetInt32());

        var requests = await llm.RequestsAsync();
        Assert.Equal(4, requests.Count);
        string first = Strings(requests[0]!["body"]);
        Assert.Contains("financial/pmt", first, StringComparison.Ordinal);
        Assert.Contains("Explains a loan payment", first, StringComparison.Ordinal); // the agents it may delegate to
        Assert.Contains("'total' failed", Strings(requests[1]!["body"]), StringComparison.Ordinal);
        string delegated = Strings(requests[2]!["body"]);
        Assert.Contains("Explain the payment you are given", delegated, StringComparison.Ordinal);
        Assert.Contains("-1037.03", delegated, StringComparison.Ordinal);
        // The run and the plans' runs are the caller's, and so were the tool calls.
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(new Uri($"runs/{runId}", UriKind.Relative), Ct)).StatusCode);
        var calls = JsonDocument.Parse(await admin.GetStringAsync(new Uri("audit?target=financial/pmt", UriKind.Relative), Ct)).RootElement.GetProperty("events");
        Assert.All(calls.EnumerateArray(), e => Assert.Equal("planner-key", e.GetProperty("actor").GetString()));
        Assert.Equal(2, calls.GetArrayLength());
    }

    [Fact]
    public async Task GatewayAndWorkerKilledWhileThePlansRunWaits_TheDirectorResumesWithoutPlanningAgain_OnPostgres()
    {
        await using var llm = await FakeLlmServer.StartAsync(Ct);
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        var gateway = await cluster.StartServeAsync([.. Flags(llm), "--Queue:InProcessWorker=false"]);
        var worker = await cluster.StartWorkerAsync(Flags(llm));
        using var admin = Client(gateway, cluster.AdminKey);
        await AddAgentAsync(admin, Explainer);
        await llm.ScriptAsync(
            Plan(Payment(), Delegate("explain", "explainer", "Explain a monthly payment of ${{ steps.payment.output }}.", "payment")),
            new JsonObject { ["delayMs"] = 60000, ["text"] = "never seen" },
            new JsonObject { ["text"] = "You pay 1,037.03 each month." },
            new JsonObject { ["text"] = "Each payment is 1,037.03." });

        string runId = await StartDirectorAsync(admin, new { goal = "What is my monthly payment?" });
        // The plan's run waits on its delegated step (the agent's model call) when both processes die.
        await Poll.UntilAsync(async () => (await llm.RequestsAsync()).Count == 2, Finish, "the plan's delegated step never asked the model");
        await worker.SignalAsync("KILL");
        await gateway.SignalAsync("KILL");
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));

        gateway = await cluster.StartServeAsync([.. Flags(llm), "--Queue:InProcessWorker=false"]);
        await cluster.StartWorkerAsync(Flags(llm));
        using var again = Client(gateway, cluster.AdminKey);
        var done = await WaitForAsync(again, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the Director's run never finished after the restart");

        Assert.True(done.GetProperty("state").GetString() == "completed", done.ToString());
        var output = Step(done, "director").GetProperty("output");
        Assert.True(output.GetProperty("succeeded").GetBoolean(), output.ToString());
        Assert.Equal("Each payment is 1,037.03.", output.GetProperty("answer").GetString());
        Assert.Equal("You pay 1,037.03 each month.", output.GetProperty("outputs").GetProperty("explain").GetProperty("answer").GetString());
        // One plan, one run of it: the attempt after the crash waited for the run the first one started.
        var trace = output.GetProperty("trace").EnumerateArray().ToList();
        Assert.Equal(["plan", "run-started", "run-completed", "answer"], trace.Select(e => e.GetProperty("event").GetString()));
        Assert.Equal("completed", (await GetAsync(again, trace[1].GetProperty("runId").GetString()!)).GetProperty("state").GetString());
        var requests = await llm.RequestsAsync();
        Assert.Equal(4, requests.Count);
        Assert.Single(requests, r => r!["body"]!["response_format"] is not null); // the model was asked to plan once
        // The delegated step went on from its checkpoint (the same turn again), and the tool step did not run again.
        Assert.Equal(requests[1]!["body"]!["messages"]!.ToJsonString(), requests[2]!["body"]!["messages"]!.ToJsonString());
        Assert.Single(JsonDocument.Parse(await again.GetStringAsync(new Uri("audit?target=financial/pmt", UriKind.Relative), Ct)).RootElement.GetProperty("events").EnumerateArray());
    }

    [Fact]
    public async Task InputTokenBudget_StopsTheDirectorBeforeItsSecondPlanRuns_WithThePartialResult()
    {
        await using var llm = await FakeLlmServer.StartAsync(Ct);
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync(Flags(llm));
        using var admin = Client(gateway, cluster.AdminKey);
        await llm.ScriptAsync(
            Plan(Payment(), ToolStep("total", "utilities/math_evaluate", new JsonObject { ["expression"] = "${{ steps.payment.output }} * (10" }, "payment")),
            Plan(Payment(), ToolStep("total", "utilities/math_evaluate", new JsonObject { ["expression"] = "${{ steps.payment.output }} * 10" }, "payment")),
            new JsonObject { ["text"] = "never asked" });

        string runId = await StartDirectorAsync(admin, new { goal = "What do I pay in total?", budget = new { tokensIn = 20 } });
        var done = await WaitForAsync(admin, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the Director's run never finished");

        // A clean stop: the run completes, the result says which budget and keeps what the first plan's run gave.
        Assert.Equal("completed", done.GetProperty("state").GetString());
        var output = Step(done, "director").GetProperty("output");
        Assert.False(output.GetProperty("succeeded").GetBoolean());
        Assert.Equal("the input token budget (20) is spent: 22 used", output.GetProperty("stopped").GetString());
        Assert.Equal(-1037.03, output.GetProperty("outputs").GetProperty("payment").GetDouble(), 2);
        Assert.Equal(["plan", "run-started", "step-failed", "plan", "stopped"], output.GetProperty("trace").EnumerateArray().Select(e => e.GetProperty("event").GetString()));
        Assert.Equal(2, (await llm.RequestsAsync()).Count);
        Assert.Single(JsonDocument.Parse(await admin.GetStringAsync(new Uri("audit?target=financial/pmt", UriKind.Relative), Ct)).RootElement.GetProperty("events").EnumerateArray());
    }

    [Fact]
    public async Task WallTimeBudget_StopsTheDirectorWhileItsPlanRuns_AndCancelsThePlansRun()
    {
        await using var llm = await FakeLlmServer.StartAsync(Ct);
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync(Flags(llm));
        using var admin = Client(gateway, cluster.AdminKey);
        var plan = new JsonObject { ["steps"] = new JsonArray(ToolStep("slow", "everything/slow_compute", new JsonObject { ["seconds"] = 300 })) };

        string runId = await StartDirectorAsync(admin, new { plan, budget = new { wallTime = "3s" } });
        var done = await WaitForAsync(admin, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the Director's run never finished");

        Assert.True(done.GetProperty("state").GetString() == "completed", done.ToString());
        var output = Step(done, "director").GetProperty("output");
        Assert.Equal("the wall time budget (00:00:03) is spent", output.GetProperty("stopped").GetString());
        var trace = output.GetProperty("trace").EnumerateArray().ToList();
        Assert.Equal(["plan", "run-started", "stopped"], trace.Select(e => e.GetProperty("event").GetString()));
        var planRun = await GetAsync(admin, trace[1].GetProperty("runId").GetString()!);
        Assert.Equal("cancelled", planRun.GetProperty("state").GetString());
    }

    [Fact]
    public async Task ADirectorOnTheOnlyWorker_StillRunsItsPlan()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        // The test polls the run for as long as it takes; the administrator's request limit must not be what it measures.
        var gateway = await cluster.StartServeAsync(
            "--Queue:Concurrency=1",
            "--RateLimits:Roles:admin:PerPrincipal:Permits=100000", "--RateLimits:Roles:admin:PerPrincipal:Burst=10000", "--RateLimits:Roles:admin:PerPrincipal:Period=00:01:00");
        using var admin = Client(gateway, cluster.AdminKey);
        var plan = new JsonObject { ["steps"] = new JsonArray(Payment()) };

        // The Director's step waits for its plan's run on the one worker there is; the plan's step needs a worker too.
        string runId = await StartDirectorAsync(admin, new { plan });
        var done = await WaitForAsync(admin, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the Director's run never finished");

        Assert.True(done.GetProperty("state").GetString() == "completed", done.ToString());
        Assert.Equal(-1037.03, Step(done, "director").GetProperty("output").GetProperty("outputs").GetProperty("payment").GetDouble(), 2);
    }

    [Fact]
    public async Task CancellingTheDirectorsRun_CancelsThePlansRunInFlight()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync([]);
        using var admin = Client(gateway, cluster.AdminKey);
        var plan = new JsonObject { ["steps"] = new JsonArray(ToolStep("slow", "everything/slow_compute", new JsonObject { ["seconds"] = 300 })) };

        string runId = await StartDirectorAsync(admin, new { plan });
        var running = await WaitForAsync(admin, runId, r => Step(r, "director").GetProperty("output") is { ValueKind: JsonValueKind.Object } o && o.GetProperty("trace").GetArrayLength() == 2, "the plan's run never started");
        string planRun = Step(running, "director").GetProperty("output").GetProperty("trace")[1].GetProperty("runId").GetString()!;
        using var cancel = await admin.PostAsync(new Uri($"runs/{runId}/cancel", UriKind.Relative), null, Ct);
        Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync(Ct));

        var stopped = await WaitForAsync(admin, planRun, r => r.GetProperty("state").GetString() != "running", "the plan's run went on after the Director's run was cancelled");
        Assert.Equal("cancelled", stopped.GetProperty("state").GetString());
    }

    [Fact]
    public async Task RevokingTheKeyThatStartedTheDirector_StopsIt_AndThePlansRunInFlight()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync([]);
        using var admin = Client(gateway, cluster.AdminKey);
        string key = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "director-key", "agent");
        using var planner = Client(gateway, key);
        var plan = new JsonObject { ["steps"] = new JsonArray(ToolStep("slow", "everything/slow_compute", new JsonObject { ["seconds"] = 300 })) };

        string runId = await StartDirectorAsync(planner, new { plan });
        var running = await WaitForAsync(planner, runId, r => Step(r, "director").GetProperty("output") is { ValueKind: JsonValueKind.Object } o && o.GetProperty("trace").GetArrayLength() == 2, "the plan's run never started");
        string planRun = Step(running, "director").GetProperty("output").GetProperty("trace")[1].GetProperty("runId").GetString()!;
        // The slow call must be under way, past its own check of the key (which would refuse it instead, also right, but
        // then the Director would stop because its plan failed): the worker checks it within milliseconds of marking
        // the step running, and nothing later shows it.
        await WaitForAsync(planner, planRun, r => Step(r, "slow").GetProperty("state").GetString() == "running", "the plan's slow step never ran");
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        // Rotating revokes the key; its replacement, a key of the same principal, reads the runs.
        using var renewed = Client(gateway, await Workflows.RevokedCredentialTests.RotateAsync(admin, key));

        var stopped = await WaitForAsync(renewed, runId, r => r.GetProperty("state").GetString() != "running", "the Director went on after its key was revoked");
        Assert.Equal("failed", stopped.GetProperty("state").GetString());
        Assert.Contains($"the API key {Workflows.RevokedCredentialTests.Prefix(key)} that started this run is revoked", Step(stopped, "director").GetProperty("error").GetString(), StringComparison.Ordinal);
        var planStopped = await WaitForAsync(renewed, planRun, r => r.GetProperty("state").GetString() != "running", "the plan's run went on after its key was revoked");
        Assert.Equal("cancelled", planStopped.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Plan_AsTheMcpToolAgentsDirector_RunsAsATaskAsTheCaller_WithADelegatedStep()
    {
        await using var llm = await FakeLlmServer.StartAsync(Ct);
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync(Flags(llm));
        using var admin = Client(gateway, cluster.AdminKey);
        await AddAgentAsync(admin, Explainer);
        string agentKey = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "mcp-key", "agent");
        await llm.ScriptAsync(new JsonObject { ["text"] = "About a thousand a month." });

        var (_, listed) = await gateway.RequestAsync(agentKey, "tools/list", null, Ct);
        var tool = Assert.Single(listed!.Value.GetProperty("result").GetProperty("tools").EnumerateArray(), t => t.GetProperty("name").GetString() == "agents__director");
        Assert.Contains("goal", tool.GetProperty("inputSchema").GetProperty("properties").ToString(), StringComparison.Ordinal);
        var plan = new JsonObject { ["steps"] = new JsonArray(Payment(), Delegate("explain", "explainer", "Explain ${{ steps.payment.output }}.", "payment")) };
        var call = new JsonObject { ["name"] = "agents__director", ["arguments"] = new JsonObject { ["plan"] = plan } };
        var (_, created) = await gateway.RequestAsync(agentKey, "tools/call", TaskProcesses.WithTasks(call), Ct);
        var done = await TaskProcesses.WaitForTerminalAsync(gateway, agentKey, created!.Value.GetProperty("result").GetProperty("taskId").GetString()!, TimeSpan.FromSeconds(90));

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.False(done.GetProperty("result").GetProperty("isError").GetBoolean(), done.ToString());
        using var result = JsonDocument.Parse(done.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!);
        var output = result.RootElement.GetProperty("output");
        Assert.True(output.GetProperty("succeeded").GetBoolean(), output.ToString());
        Assert.Equal("About a thousand a month.", output.GetProperty("outputs").GetProperty("explain").GetProperty("answer").GetString());
        Assert.Contains("-1037.03", Strings((await llm.RequestsAsync()).Single()!["body"]), StringComparison.Ordinal); // only the agent asked the model
        using var agent = Client(gateway, agentKey);
        Assert.Equal("completed", (await GetAsync(agent, result.RootElement.GetProperty("runId").GetString()!)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Cli_RunsAPlanThroughRest_AndARefusedPlanExitsOne()
    {
        await using var llm = await FakeLlmServer.StartAsync(Ct);
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync(Flags(llm));
        string good = Path.Combine(cluster.Directory, "good.json"), bad = Path.Combine(cluster.Directory, "bad.json");
        await File.WriteAllTextAsync(good, new JsonObject { ["steps"] = new JsonArray(Payment()) }.ToJsonString(), Ct);
        await File.WriteAllTextAsync(bad, new JsonObject { ["steps"] = new JsonArray(ToolStep("read", "nothing/here", [])) }.ToJsonString(), Ct);

        var ran = await DirectorCliAsync(gateway, cluster.AdminKey, "--plan", good);
        var refused = await DirectorCliAsync(gateway, cluster.AdminKey, "--plan", bad, "--max-replans", "0");
        var keyless = await DirectorCliAsync(gateway, "", "--plan", good);

        Assert.True(ran.ExitCode == 0, ran.Output);
        Assert.Contains("\tdirector\tcompleted", ran.StandardOutput, StringComparison.Ordinal);
        var result = JsonNode.Parse(ran.StandardOutput.Split('\n').Last(l => l.StartsWith('{')))!;
        Assert.Equal(-1037.03, result["outputs"]!["payment"]!.GetValue<double>(), 2);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("there is no tool 'nothing/here'", refused.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, keyless.ExitCode);
        Assert.Contains("SWITCHBOARD_API_KEY", keyless.StandardError, StringComparison.Ordinal);
        Assert.Empty(await llm.RequestsAsync());
    }

    private static Task<ProcessResult> DirectorCliAsync(GatewayProcess gateway, string key, params string[] arguments) =>
        ProcessRunner.RunAsync(
            GatewayProcess.Executable, ["director", .. arguments], TimeSpan.FromSeconds(90), Path.GetTempPath(),
            new Dictionary<string, string> { ["SWITCHBOARD_URL"] = gateway.Url, ["SWITCHBOARD_API_KEY"] = key }, Ct);

    private static async Task<string> StartDirectorAsync(HttpClient http, object request)
    {
        using var response = await http.PostAsJsonAsync("director/runs", request, Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    private static async Task AddAgentAsync(HttpClient admin, string source)
    {
        using var added = await admin.PostAsJsonAsync("agents", new { source }, Ct);
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync(Ct));
    }

    private static string[] Flags(FakeLlmServer llm) =>
    [
        "--Agents:Providers:fake:Kind=openai", $"--Agents:Providers:fake:Endpoint={llm.OpenAIEndpoint}", "--Agents:Providers:fake:Model=fake-planner",
        "--Agents:Providers:fake:ApiKey=sk-director", "--Agents:Providers:fake:MaxRetries=0",
    ];

    // The text of every string in a request body, unescaped (the SDK writes ' as \u0027).
    private static string Strings(JsonNode? node) => node switch
    {
        JsonObject o => string.Join('\n', o.Select(p => Strings(p.Value))),
        JsonArray a => string.Join('\n', a.Select(Strings)),
        JsonValue v when v.TryGetValue(out string? text) => text,
        _ => string.Empty,
    };

    private static JsonObject Plan(params JsonObject[] steps) =>
        new() { ["text"] = new JsonObject { ["steps"] = new JsonArray(steps) }.ToJsonString() };

    private static JsonObject Payment() => ToolStep("payment", "financial/pmt", new JsonObject { ["rate"] = 0.08 / 12, ["periods"] = 10, ["presentValue"] = 10000 });

    private static JsonObject ToolStep(string id, string tool, JsonObject arguments, params string[] needs) => new()
    {
        ["id"] = id,
        ["tool"] = tool,
        ["arguments"] = arguments,
        ["needs"] = new JsonArray([.. needs.Select(n => JsonValue.Create(n))]),
    };

    private static JsonObject Delegate(string id, string agent, string input, params string[] needs) => new()
    {
        ["id"] = id,
        ["agent"] = agent,
        ["input"] = input,
        ["needs"] = new JsonArray([.. needs.Select(n => JsonValue.Create(n))]),
    };
}
