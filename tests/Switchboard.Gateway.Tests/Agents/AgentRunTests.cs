using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;
using static Switchboard.Gateway.Tests.Workflows.RunsApi;

namespace Switchboard.Gateway.Tests.Agents;

/// <summary>
/// Agent steps end to end: the published executable, its production OpenAI client talking to the fake model
/// (tests/Switchboard.FakeLlm) over HTTP, the gateway's own tools through the access path, runs through REST.
/// </summary>
public sealed class AgentRunTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FinancialOnlyCustomAgent_AskedToReadAFile_IsRefusedAuditedAndReportsIt()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: false);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        string root = Directory.CreateTempSubdirectory("agent-fs-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "secret.txt"), "the secret", Ct);
        var gateway = await agents.StartServeAsync(Filesystem(root));
        using var admin = Client(gateway, cluster.AdminKey);
        string agentKey = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "analyst-key", "agent");
        using var agent = Client(gateway, agentKey);

        // Declared, validated with the author's lines, versioned, shown as written.
        const string Analyst = """
            name: analyst
            instructions: Answer money questions with the financial tools.
            provider: fake
            tools: [financial/*]
            budget: { tool_calls: 5 }
            """;
        using (var bad = await admin.PostAsJsonAsync("agents", new { source = Analyst.Replace("tool_calls: 5", "tool_calls: -1", StringComparison.Ordinal) + "\ntemperature: 2" }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var errors = JsonDocument.Parse(await bad.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("errors").EnumerateArray()
                .Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("column").GetInt32())).ToArray();
            Assert.Equal([(5, 23), (6, 1)], errors);
        }

        using (var added = await admin.PostAsJsonAsync("agents", new { source = Analyst }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        var shown = JsonDocument.Parse(await admin.GetStringAsync(new Uri("agents/analyst", UriKind.Relative), Ct)).RootElement;
        Assert.Equal(1, shown.GetProperty("version").GetInt32());
        Assert.Equal(Analyst, shown.GetProperty("source").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await agent.PostAsJsonAsync("agents", new { source = Analyst }, Ct)).StatusCode);

        await llm.ScriptAsync(
            Turn(Call("c1", "filesystem__read_text_file", new JsonObject { ["path"] = Path.Combine(root, "secret.txt") })),
            new JsonObject { ["text"] = "I may not read files: the gateway refused it.", ["usage"] = new JsonObject { ["input"] = 40, ["output"] = 12 } });
        string runId;
        using (var started = await agent.PostAsJsonAsync("agents/analyst/runs", new { input = "What is in secret.txt?" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            runId = JsonDocument.Parse(await started.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
        }

        var done = await WaitForAsync(agent, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the agent's run never finished");

        Assert.Equal("completed", done.GetProperty("state").GetString());
        var output = Step(done, "agent").GetProperty("output");
        Assert.Equal("I may not read files: the gateway refused it.", output.GetProperty("answer").GetString());
        var requests = await llm.RequestsAsync();
        Assert.Equal(2, requests.Count);
        string offered = requests[0]!["body"]!.ToJsonString();
        Assert.Contains("financial__", offered, StringComparison.Ordinal);
        Assert.DoesNotContain("filesystem__", offered, StringComparison.Ordinal);
        string second = requests[1]!["body"]!.ToJsonString();
        Assert.Contains("Permission denied", second, StringComparison.Ordinal);
        Assert.DoesNotContain("the secret", second, StringComparison.Ordinal);

        var audit = JsonDocument.Parse(await admin.GetStringAsync(new Uri("audit?target=filesystem/read_text_file&outcome=denied", UriKind.Relative), Ct)).RootElement.GetProperty("events");
        var refusal = Assert.Single(audit.EnumerateArray());
        Assert.Equal("analyst-key", refusal.GetProperty("actor").GetString());
    }

    [Fact]
    public async Task DestructiveTool_WaitsForApproval_RunsAfterIt_AndIsRefusedAfterTheTimeout()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: false);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        string root = Directory.CreateTempSubdirectory("agent-fs-").FullName;
        var gateway = await agents.StartServeAsync(Filesystem(root));
        using var admin = Client(gateway, cluster.AdminKey);
        await AddAsync(admin, Workflow("writer", "tools: [filesystem/*]\n      approval_timeout: 5m"));
        await AddAsync(admin, Workflow("hasty", "tools: [filesystem/*]\n      approval_timeout: 1s"));
        string approved = Path.Combine(root, "approved.txt");
        await llm.ScriptAsync(
            Turn(Call("w1", "filesystem__write_file", new JsonObject { ["path"] = approved, ["content"] = "yes" })),
            new JsonObject { ["text"] = "Written." });

        string runId = await StartAsync(admin, "writer", new { question = "Write approved.txt" });
        await WaitForAsync(admin, runId, r => Step(r, "agent").GetProperty("state").GetString() == "waiting", "the destructive call never waited for approval");
        Assert.False(File.Exists(approved));
        using (var decided = await admin.PostAsJsonAsync($"runs/{runId}/approvals", new { step = "agent", approved = true, comment = "fine" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, decided.StatusCode);
        }

        var done = await WaitForAsync(admin, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the run never finished after the approval");
        Assert.Equal("completed", done.GetProperty("state").GetString());
        Assert.Equal("yes", await File.ReadAllTextAsync(approved, Ct));

        string late = Path.Combine(root, "late.txt");
        await llm.ScriptAsync(
            Turn(Call("w2", "filesystem__write_file", new JsonObject { ["path"] = late, ["content"] = "no" })),
            new JsonObject { ["text"] = "Nobody approved it." });
        string second = await StartAsync(admin, "hasty", new { question = "Write late.txt" });
        var timedOut = await WaitForAsync(admin, second, r => r.GetProperty("state").GetString() is "completed" or "failed", "the run never finished after the approval's timeout");

        Assert.Equal("Nobody approved it.", Step(timedOut, "agent").GetProperty("output").GetProperty("answer").GetString());
        Assert.False(File.Exists(late));
        Assert.Contains("nobody approved it before the approval", (await llm.RequestsAsync())[1]!["body"]!.ToJsonString(), StringComparison.Ordinal);
        var audit = JsonDocument.Parse(await admin.GetStringAsync(new Uri("audit?action=agents/approval", UriKind.Relative), Ct)).RootElement.GetProperty("events");
        Assert.Equal(["approved", "timed-out"], audit.EnumerateArray().Select(e => e.GetProperty("outcome").GetString()).Order());
    }

    [Fact]
    public async Task KeyThatStartedTheRun_RevokedWhileTheAgentWaits_StopsTheAgentAtItsNextToolCall()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: false);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        string root = Directory.CreateTempSubdirectory("agent-fs-").FullName;
        var gateway = await agents.StartServeAsync(Filesystem(root));
        using var admin = Client(gateway, cluster.AdminKey);
        await AddAsync(admin, Workflow("writer", "tools: [filesystem/*]\n      approval_timeout: 5m"));
        string key = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "writer-key", "agent");
        string target = Path.Combine(root, "after-revocation.txt");
        await llm.ScriptAsync(
            Turn(Call("w1", "filesystem__write_file", new JsonObject { ["path"] = target, ["content"] = "no" })),
            new JsonObject { ["text"] = "Written." });
        string runId;
        using (var owner = Client(gateway, key))
        {
            runId = await StartAsync(owner, "writer", new { question = "Write the file" });
            await WaitForAsync(owner, runId, r => Step(r, "agent").GetProperty("state").GetString() == "waiting", "the destructive call never waited for approval");
        }

        // The principal approves with its new key; the call is still made under the run's, now revoked.
        using var renewed = Client(gateway, await Workflows.RevokedCredentialTests.RotateAsync(admin, key));
        Assert.Equal(HttpStatusCode.OK, (await renewed.PostAsJsonAsync($"runs/{runId}/approvals", new { step = "agent", approved = true }, Ct)).StatusCode);
        var done = await WaitForAsync(renewed, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the run never finished after the approval");

        Assert.Equal("failed", done.GetProperty("state").GetString());
        Assert.Contains($"the API key {Workflows.RevokedCredentialTests.Prefix(key)} that started this work is revoked", Step(done, "agent").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(File.Exists(target));
        Assert.Single(await llm.RequestsAsync()); // no model turn after the refusal
        var audit = JsonDocument.Parse(await admin.GetStringAsync(new Uri("audit?actor=writer-key&action=tools/call", UriKind.Relative), Ct)).RootElement.GetProperty("events");
        Assert.Equal(["denied"], audit.EnumerateArray().Select(e => e.GetProperty("outcome").GetString()));
    }

    [Fact]
    public async Task LoopingModel_IsStoppedByItsToolCallBudget_AndByItsTokenBudget()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: false);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        var gateway = await agents.StartServeAsync();
        using var admin = Client(gateway, cluster.AdminKey);
        await AddAsync(admin, Workflow("loop", "tools: [utilities/*]\n      budget: { tool_calls: 3 }"));
        await AddAsync(admin, Workflow("chatty", "tools: [utilities/*]\n      budget: { tokens_in: 100 }"));
        JsonObject[] Forever() => [.. Enumerable.Range(0, 20).Select(i => Turn(Call($"u{i}", "utilities__uuid_v4", []), input: 40))];

        await llm.ScriptAsync(Forever());
        var loop = Step(await RunAsync(admin, "loop", "go"), "agent").GetProperty("output");
        Assert.Contains("tool call budget (3)", loop.GetProperty("stopped").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, loop.GetProperty("usage").GetProperty("toolCalls").GetInt32());

        await llm.ScriptAsync(Forever());
        var chatty = Step(await RunAsync(admin, "chatty", "go"), "agent").GetProperty("output");
        Assert.Contains("input token budget (100)", chatty.GetProperty("stopped").GetString(), StringComparison.Ordinal);
        Assert.Equal(3, chatty.GetProperty("usage").GetProperty("turns").GetInt32()); // 40, 80, 120: the third turn spends it
        Assert.Equal(3, (await llm.RequestsAsync()).Count);
    }

    [Fact]
    public async Task GatewayAndWorkerKilledMidRun_ResumeFromTheLastCompletedTurn_OnPostgres()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: true);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        var gateway = await agents.StartServeAsync("--Queue:InProcessWorker=false");
        var worker = await agents.StartWorkerAsync();
        using var admin = Client(gateway, cluster.AdminKey);
        await AddAsync(admin, Workflow("durable", "tools: [utilities/*]"));
        await llm.ScriptAsync(
            Turn(Call("id1", "utilities__uuid_v4", [])),
            new JsonObject { ["delayMs"] = 60000, ["text"] = "never seen" },
            new JsonObject { ["text"] = "Done after the crash." });

        string runId = await StartAsync(admin, "durable", new { question = "Make an id." });
        await Poll.UntilAsync(async () => (await llm.RequestsAsync()).Count == 2, Finish, "the second model turn never started");
        await worker.SignalAsync("KILL");
        await gateway.SignalAsync("KILL");
        await worker.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));

        gateway = await agents.StartServeAsync("--Queue:InProcessWorker=false");
        await agents.StartWorkerAsync();
        using var again = Client(gateway, cluster.AdminKey);
        var done = await WaitForAsync(again, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the run never finished after the restart");

        Assert.Equal("completed", done.GetProperty("state").GetString());
        Assert.Equal("Done after the crash.", Step(done, "agent").GetProperty("output").GetProperty("answer").GetString());
        var requests = await llm.RequestsAsync();
        Assert.Equal(3, requests.Count);
        // The resumed turn is the interrupted one again: the same conversation, with the tool's result from before the crash.
        Assert.Equal(requests[1]!["body"]!["messages"]!.ToJsonString(), requests[2]!["body"]!["messages"]!.ToJsonString());
        var calls = JsonDocument.Parse(await again.GetStringAsync(new Uri("audit?target=utilities/uuid_v4", UriKind.Relative), Ct)).RootElement.GetProperty("events");
        Assert.Single(calls.EnumerateArray()); // the tool ran once: the crash did not send the run back to its start
    }

    [Fact]
    public async Task CustomAgent_ThroughTheCli_IsAddedListedShownAndRun()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: false);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        var gateway = await agents.StartServeAsync();
        const string Greeter = """
            name: greeter
            instructions: Greet whoever asks.
            provider: fake
            tools: [utilities/*]
            """;
        string declaration = Path.Combine(cluster.Directory, "greeter.yaml");
        await File.WriteAllTextAsync(declaration, Greeter, Ct);
        await llm.ScriptAsync(new JsonObject { ["text"] = "Hello, Ada.", ["usage"] = new JsonObject { ["input"] = 12, ["output"] = 4 } });

        var added = await AgentsCliAsync(gateway, cluster.AdminKey, "add", declaration);
        var listed = await AgentsCliAsync(gateway, cluster.AdminKey, "list");
        var shown = await AgentsCliAsync(gateway, cluster.AdminKey, "show", "greeter");
        var run = await AgentsCliAsync(gateway, cluster.AdminKey, "run", "greeter", "--input", "I am Ada.");
        var keyless = await AgentsCliAsync(gateway, key: "", "list");

        Assert.True(added.ExitCode == 0, added.Output);
        Assert.Contains("'greeter' version 1", added.StandardError, StringComparison.Ordinal);
        Assert.Contains("greeter\t1\t1", listed.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')));
        Assert.Equal(Greeter.Split('\n'), shown.StandardOutput.TrimEnd().Split('\n'));
        Assert.True(run.ExitCode == 0, run.Output);
        Assert.Contains("\trun\tcompleted", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("Hello, Ada.", run.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("I am Ada.", (await llm.RequestsAsync())[0]!["body"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(1, keyless.ExitCode);
        Assert.Contains("SWITCHBOARD_API_KEY", keyless.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CustomAgent_AsAnMcpTool_IsListedRunsAsATaskAsTheCaller_AndNeedsAgentsRun()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: false);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        var gateway = await agents.StartServeAsync("--Policy:Roles:caller:0=tools:call");
        using var admin = Client(gateway, cluster.AdminKey);
        string agentKey = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "agent-key", "agent");
        string callerKey = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "caller-key", "caller");
        using (var added = await admin.PostAsJsonAsync("agents", new { source = "name: greeter\ndescription: Greets people.\ninstructions: Greet whoever asks.\nprovider: fake\n" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        var (_, listed) = await gateway.RequestAsync(agentKey, "tools/list", null, Ct);
        var tool = Assert.Single(listed!.Value.GetProperty("result").GetProperty("tools").EnumerateArray(), t => t.GetProperty("name").GetString() is { } name && name.StartsWith("agents__", StringComparison.Ordinal) && name != "agents__director");
        Assert.Equal("agents__greeter", tool.GetProperty("name").GetString());
        Assert.StartsWith("Greets people.", tool.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("input", Assert.Single(tool.GetProperty("inputSchema").GetProperty("required").EnumerateArray()).GetString());

        await llm.ScriptAsync(new JsonObject { ["text"] = "Hello, Ada.", ["usage"] = new JsonObject { ["input"] = 12, ["output"] = 4 } });
        var call = new JsonObject { ["name"] = "agents__greeter", ["arguments"] = new JsonObject { ["input"] = "I am Ada." } };
        var (_, untasked) = await gateway.RequestAsync(agentKey, "tools/call", call.DeepClone().AsObject(), Ct);
        Assert.Equal(-32021, untasked!.Value.GetProperty("error").GetProperty("code").GetInt32()); // only as a task
        var (_, created) = await gateway.RequestAsync(agentKey, "tools/call", TaskProcesses.WithTasks(call.DeepClone().AsObject()), Ct);
        string taskId = created!.Value.GetProperty("result").GetProperty("taskId").GetString()!;
        var done = await TaskProcesses.WaitForTerminalAsync(gateway, agentKey, taskId, TimeSpan.FromSeconds(60));

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.False(done.GetProperty("result").GetProperty("isError").GetBoolean());
        using var result = JsonDocument.Parse(done.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString()!);
        Assert.Equal("completed", result.RootElement.GetProperty("state").GetString());
        Assert.Equal("Hello, Ada.", result.RootElement.GetProperty("output").GetProperty("answer").GetString());
        Assert.Contains("I am Ada.", (await llm.RequestsAsync())[0]!["body"]!.ToJsonString(), StringComparison.Ordinal);
        // The run is the caller's: listed for the agent key, not for the administrator.
        using var agent = Client(gateway, agentKey);
        string runId = result.RootElement.GetProperty("runId").GetString()!;
        Assert.Equal("completed", (await WaitForAsync(agent, runId, r => r.GetProperty("state").GetString() == "completed", "the run is not the caller's")).GetProperty("state").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(new Uri($"runs/{runId}", UriKind.Relative), Ct)).StatusCode);

        // A key that may call tools but not run agents is refused, starts no run, and the refusal is audited.
        var (_, refusedTask) = await gateway.RequestAsync(callerKey, "tools/call", TaskProcesses.WithTasks(call.DeepClone().AsObject()), Ct);
        var refused = await TaskProcesses.WaitForTerminalAsync(gateway, callerKey, refusedTask!.Value.GetProperty("result").GetProperty("taskId").GetString()!, TimeSpan.FromSeconds(60));
        Assert.Equal("failed", refused.GetProperty("status").GetString());
        Assert.Contains("agents:run", refused.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(await llm.RequestsAsync());
        var audit = JsonDocument.Parse(await admin.GetStringAsync(new Uri("audit?target=agents/greeter&outcome=denied", UriKind.Relative), Ct)).RootElement.GetProperty("events");
        Assert.Equal("caller-key", Assert.Single(audit.EnumerateArray()).GetProperty("actor").GetString());
    }

    [Fact]
    public async Task AgentWorkflows_AreWrittenOnlyByTheAgentsApi_AndAnAgentStepNeedsAgentsRun_HoweverItsRunStarts()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: false);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        var gateway = await agents.StartServeAsync("--Policy:Roles:wfonly:0=workflows:run");
        using var admin = Client(gateway, cluster.AdminKey);
        using var wfonly = Client(gateway, await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "wfonly-key", "wfonly"));

        // A provider that is not configured is refused at its line, naming those that are (as the Director does).
        using (var unknown = await admin.PostAsJsonAsync("agents", new { source = "name: greedy\ninstructions: Help.\nprovider: nope\n" }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
            var error = Assert.Single(JsonDocument.Parse(await unknown.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("errors").EnumerateArray());
            Assert.Equal((3, 11, "there is no model provider 'nope'; configured: fake"), (error.GetProperty("line").GetInt32(), error.GetProperty("column").GetInt32(), error.GetProperty("message").GetString()));
        }

        using (var added = await admin.PostAsJsonAsync("agents", new { source = "name: greedy\ninstructions: Help.\nprovider: fake\n" }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        // admin:workflows cannot replace the agent's workflow, nor write the Director's.
        foreach (var (name, use) in new[] { ("agent-greedy", "/api/v1/agents"), ("director", "/api/v1/director/runs"), ("director-0123456789ab", "/api/v1/director/runs") })
        {
            using var taken = await admin.PostAsJsonAsync("workflows", new { source = $"name: {name}\ninputs: {{ input: }}\nsteps:\n  - id: agent\n    tool: utilities/hash\n    arguments: {{ input: \"${{{{ inputs.input }}}}\" }}\n" }, Ct);
            Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
            var error = Assert.Single(JsonDocument.Parse(await taken.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("errors").EnumerateArray());
            Assert.Equal((1, 7), (error.GetProperty("line").GetInt32(), error.GetProperty("column").GetInt32()));
            Assert.Contains(use, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(1, JsonDocument.Parse(await admin.GetStringAsync(new Uri("agents/greedy", UriKind.Relative), Ct)).RootElement.GetProperty("version").GetInt32());

        // workflows:run starts the agent's workflow through /runs, but its step refuses to run the agent: no model call.
        var run = await WaitForAsync(wfonly, await StartAsync(wfonly, "agent-greedy", new { input = "go" }), r => r.GetProperty("state").GetString() is "completed" or "failed", "the run never finished");

        Assert.Equal("failed", run.GetProperty("state").GetString());
        Assert.Equal("Permission denied: wfonly-key may not run agents (agents:run).", Step(run, "agent").GetProperty("error").GetString());
        Assert.Empty(await llm.RequestsAsync());
    }

    private static Task<ProcessResult> AgentsCliAsync(GatewayProcess gateway, string key, params string[] arguments) =>
        ProcessRunner.RunAsync(
            GatewayProcess.Executable, ["agents", .. arguments], TimeSpan.FromSeconds(90), Path.GetTempPath(),
            new Dictionary<string, string> { ["SWITCHBOARD_URL"] = gateway.Url, ["SWITCHBOARD_API_KEY"] = key }, Ct);

    private static string[] Filesystem(string root) => ["--Servers:filesystem:Enabled=true", $"--Servers:filesystem:Roots:0={root}"];

    private static string Workflow(string name, string agentFields) => $$$"""
        name: {{{name}}}
        inputs:
          question:
        steps:
          - id: agent
            agent:
              instructions: Answer the question with the tools you have.
              provider: fake
              {{{agentFields}}}
            arguments: { input: "${{ inputs.question }}" }
        """;

    private static JsonObject Turn(JsonObject call, int input = 20) =>
        new() { ["toolCalls"] = new JsonArray(call), ["usage"] = new JsonObject { ["input"] = input, ["output"] = 5 } };

    private static JsonObject Call(string id, string name, JsonObject arguments) =>
        new() { ["id"] = id, ["name"] = name, ["arguments"] = arguments };

    private static async Task AddAsync(HttpClient admin, string source)
    {
        using var added = await admin.PostAsJsonAsync("workflows", new { source }, Ct);
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<JsonElement> RunAsync(HttpClient http, string workflow, string question) =>
        await WaitForAsync(http, await StartAsync(http, workflow, new { question }), r => r.GetProperty("state").GetString() is "completed" or "failed" or "cancelled", "the run never finished");

}
