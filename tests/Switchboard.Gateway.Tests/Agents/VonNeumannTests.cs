using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;
using static Switchboard.Gateway.Tests.Workflows.RunsApi;

namespace Switchboard.Gateway.Tests.Agents;

/// <summary>
/// The Von Neumann agent end to end (docs/agents.md): published <c>serve</c> and <c>worker</c> processes, the
/// production OpenAI client talking to the fake model, copies of the agent as runs on the queue, and the tree's
/// bounds read back from the run table.
/// </summary>
public sealed class VonNeumannTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ThousandItems_OnTwoWorkersOneKilled_AreEachMergedOnce_AndTheTreeKeepsItsBounds_OnPostgres()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: true);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        var gateway = await agents.StartServeAsync("--Queue:InProcessWorker=false");
        var doomed = await agents.StartWorkerAsync();
        await agents.StartWorkerAsync();
        using var api = Client(gateway, cluster.AdminKey);
        await AddAgentAsync(api, """
            name: mapper
            instructions: Summarise each item of your part in one line.
            provider: fake
            budget: { tokens_in: 100000, tokens_out: 20000, tool_calls: 100, wall_time: 5m }
            replicate: { width: 8, depth: 2, max_copies: 30, part_size: 100 }
            """);
        // Each leaf's model call takes a while, so the kill lands while copies are at work.
        await llm.ScriptAsync([.. Enumerable.Range(0, 60).Select(_ => new JsonObject
        {
            ["delayMs"] = 1500, ["text"] = "summarised", ["usage"] = new JsonObject { ["input"] = 30, ["output"] = 5 },
        })]);
        string[] items = [.. Enumerable.Range(0, 1000).Select(i => $"item-{i:D4}")];

        string rootId = await StartAgentAsync(api, "mapper", new JsonObject { ["items"] = new JsonArray([.. items.Select(i => JsonValue.Create(i))]) });
        string doomedLease = $"/{doomed.ProcessId}/";
        await Poll.UntilAsync(
            async () => (await cluster.JobsAsync()).Any(j => j.State == "running" && j.LeaseOwner?.Contains(doomedLease, StringComparison.Ordinal) == true)
                && (await llm.RequestsAsync()).Count >= 2,
            Finish,
            "the first worker never held a copy's job while leaves were at work");
        await doomed.SignalAsync("KILL");
        await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10));
        var done = await FinishedAsync(cluster, api, rootId, TimeSpan.FromMinutes(3)); // 2 shared cores run all four processes

        Assert.Equal("completed", done.GetProperty("state").GetString());
        var output = JsonNode.Parse(Step(done, "agent").GetProperty("output").GetRawText())!;
        Assert.True(output["complete"]!.GetValue<bool>(), output["stopped"]?.ToString());
        // Each item exactly once, in order: the parts tile the input with no gap and no overlap.
        var parts = output["parts"]!.AsArray().Select(p => p!.AsObject()).ToList();
        int next = 0;
        foreach (var part in parts)
        {
            Assert.Equal(next, part["offset"]!.GetValue<int>());
            Assert.Equal("answered", part["state"]!.GetValue<string>());
            Assert.Equal("summarised", part["answer"]!.GetValue<string>());
            next += part["count"]!.GetValue<int>();
        }

        Assert.Equal(items, parts.SelectMany(p => p["input"]!["items"]!.AsArray().Select(i => i!.GetValue<string>())));
        // Every item reached the model in some leaf's message (a leaf whose worker died may have sent its part twice).
        string prompts = string.Join('\n', (await llm.RequestsAsync()).Select(r => r!["body"]!.ToJsonString()));
        Assert.All(items, i => Assert.Contains(i, prompts, StringComparison.Ordinal));

        // The bounds, from the run table: at most 30 runs, 2 levels, 8 copies per run, shares within their parent's.
        var tree = await TreeAsync(cluster, rootId);
        Assert.Equal(output["runs"]!.GetValue<int>(), tree.Count);
        Assert.InRange(tree.Count, 9, 30);
        Assert.Equal(2, tree.Max(r => r.Depth));
        Assert.All(tree, r => Assert.Equal("completed", r.State));
        Assert.Equal(8, tree.Count(r => r.Parent == rootId));
        foreach (var family in tree.Where(r => r.Parent is not null).GroupBy(r => r.Parent!))
        {
            Assert.InRange(family.Count(), 1, 8);
            var parent = family.Key == rootId ? JsonNode.Parse("""{"tokensIn":100000,"toolCalls":100,"copies":30}""")! : tree.Single(r => r.Id == family.Key).Allotment;
            Assert.True(family.Sum(c => c.Allotment["tokensIn"]!.GetValue<long>()) <= parent["tokensIn"]!.GetValue<long>());
            Assert.True(family.Sum(c => c.Allotment["toolCalls"]!.GetValue<long>()) <= parent["toolCalls"]!.GetValue<long>());
            Assert.True(family.Sum(c => c.Allotment["copies"]!.GetValue<int>()) <= parent["copies"]!.GetValue<int>() - 1);
        }

        // The killed worker's job was not dropped: its lease expired and it ran again.
        Assert.Contains(await cluster.JobsAsync(), j => j.Attempts >= 2 && j.State == "completed");
        Assert.True(output["usage"]!["tokensIn"]!.GetValue<long>() <= 100000);
    }

    [Fact]
    public async Task CancellingTheFirstRun_CancelsEveryCopy_ASpentWallTime_GivesAPartialResultWithItsReason_AndTheCliRunsOne()
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres: false);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        var gateway = await agents.StartServeAsync();
        using var api = Client(gateway, cluster.AdminKey);
        await AddAgentAsync(api, "name: slow\ninstructions: Count.\nprovider: fake\nreplicate: { width: 2, depth: 2, max_copies: 7, part_size: 1 }\n");
        await AddAgentAsync(api, "name: hasty\ninstructions: Count.\nprovider: fake\nbudget: { wall_time: 10s }\nreplicate: { width: 2, depth: 1, max_copies: 3, part_size: 1 }\n");

        await llm.ScriptAsync([.. Enumerable.Range(0, 4).Select(_ => new JsonObject { ["delayMs"] = 60000, ["text"] = "never" })]);
        string slow = await StartAgentAsync(api, "slow", new JsonObject { ["range"] = new JsonObject { ["from"] = 1, ["to"] = 4 } });
        await Poll.UntilAsync(async () => (await llm.RequestsAsync()).Count == 4, Finish, "the four leaves never called the model");
        Assert.Equal(7, (await TreeAsync(cluster, slow)).Count);
        using (var cancelled = await api.PostAsync(new Uri($"runs/{slow}/cancel", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        await Poll.UntilAsync(async () => (await TreeAsync(cluster, slow)).All(r => r.State == "cancelled"), Finish, "a copy outlived the cancelled run");
        var tree = await TreeAsync(cluster, slow);
        Assert.Equal(7, tree.Count);
        Assert.All(tree.Where(r => r.Id != slow), r => Assert.StartsWith("cancelled with the run", r.Error, StringComparison.Ordinal));

        // One leaf answers at once, the other's model call outlasts the tree's 10 s: the result is partial, and says why.
        await llm.ScriptAsync(new JsonObject { ["text"] = "quick" }, new JsonObject { ["delayMs"] = 60000, ["text"] = "too late" });
        string hasty = await StartAgentAsync(api, "hasty", new JsonArray("a", "b"));
        var done = await FinishedAsync(cluster, api, hasty);

        Assert.Equal("completed", done.GetProperty("state").GetString());
        var output = JsonNode.Parse(Step(done, "agent").GetProperty("output").GetRawText())!;
        Assert.False(output["complete"]!.GetValue<bool>());
        Assert.Contains("wall time budget", output["stopped"]!.GetValue<string>(), StringComparison.Ordinal);
        var parts = output["parts"]!.AsArray().Select(p => p!.AsObject()).ToList();
        Assert.Equal(["a", "b"], parts.SelectMany(p => p["input"]!.AsArray().Select(i => i!.GetValue<string>())));
        var answered = Assert.Single(parts, p => p["state"]!.GetValue<string>() == "answered");
        Assert.Equal("quick", answered["answer"]!.GetValue<string>());
        var unanswered = Assert.Single(parts, p => p != answered);
        string state = unanswered["state"]!.GetValue<string>();
        Assert.True(state is "stopped" or "cancelled", state);
        Assert.Contains("wall time budget", unanswered["reason"]!.GetValue<string>(), StringComparison.Ordinal);

        // Reached like any custom agent: `switchboard agents run` prints the merged result.
        await AddAgentAsync(api, "name: steady\ninstructions: Count.\nprovider: fake\nreplicate: { width: 2, depth: 1, max_copies: 3, part_size: 1 }\n");
        await llm.ScriptAsync(new JsonObject { ["text"] = "counted" }, new JsonObject { ["text"] = "counted" });
        var cli = await ProcessRunner.RunAsync(
            GatewayProcess.Executable, ["agents", "run", "steady", "--input", """["c", "d"]"""], TimeSpan.FromSeconds(90), Path.GetTempPath(),
            new Dictionary<string, string> { ["SWITCHBOARD_URL"] = gateway.Url, ["SWITCHBOARD_API_KEY"] = cluster.AdminKey }, Ct);
        Assert.True(cli.ExitCode == 0, cli.Output);
        Assert.Contains("\"complete\": true", cli.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"runs\": 3", cli.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task CopiesThatFinishOrAreCancelled_WakeTheirParent_WhoseOwnRecheckIsAnHourAway(bool postgres)
    {
        await using var agents = await FakeLlmCluster.StartAsync(postgres);
        var (llm, cluster) = (agents.Llm, agents.Processes);
        // The parent's fallback re-check is an hour away (and the tree's deadline further): it can only finish within
        // the test's minutes if each copy's end wakes it: through NOTIFY across processes on PostgreSQL, in-process on SQLite.
        const string Recheck = "--Agents:VonNeumann:RecheckInterval=01:00:00";
        var gateway = await agents.StartServeAsync(Recheck);
        if (postgres)
        {
            await agents.StartWorkerAsync(Recheck);
        }

        using var api = Client(gateway, cluster.AdminKey);
        await AddAgentAsync(api, "name: waker\ninstructions: Count.\nprovider: fake\nbudget: { wall_time: 2h }\nreplicate: { width: 3, depth: 1, max_copies: 4, part_size: 1 }\n");
        await llm.ScriptAsync(new JsonObject { ["text"] = "one" }, new JsonObject { ["text"] = "two" }, new JsonObject { ["delayMs"] = 60000, ["text"] = "never" });
        string root = await StartAgentAsync(api, "waker", new JsonArray("a", "b", "c"));

        // Two copies answer; the third waits on the model until it is cancelled by hand.
        await Poll.UntilAsync(
            async () => (await TreeAsync(cluster, root)).Count(r => r.State == "completed" && r.Id != root) == 2 && (await llm.RequestsAsync()).Count == 3,
            Finish,
            "two copies never completed while the third called the model");
        var slow = Assert.Single(await TreeAsync(cluster, root), r => r.Id != root && r.State != "completed");
        using (var cancelled = await api.PostAsync(new Uri($"runs/{slow.Id}/cancel", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        }

        var done = await FinishedAsync(cluster, api, root);

        Assert.Equal("completed", done.GetProperty("state").GetString());
        var output = JsonNode.Parse(Step(done, "agent").GetProperty("output").GetRawText())!;
        Assert.False(output["complete"]!.GetValue<bool>());
        var parts = output["parts"]!.AsArray().Select(p => p!.AsObject()).ToList();
        Assert.Equal(["a", "b", "c"], parts.SelectMany(p => p["input"]!.AsArray().Select(i => i!.GetValue<string>())));
        Assert.Equal(["one", "two"], parts.Where(p => p["state"]!.GetValue<string>() == "answered").Select(p => p["answer"]!.GetValue<string>()).Order());
        var cancelledPart = Assert.Single(parts, p => p["run"]!.GetValue<string>() == slow.Id);
        Assert.Equal("cancelled", cancelledPart["state"]!.GetValue<string>());
    }

    private static async Task AddAgentAsync(HttpClient api, string source)
    {
        using var added = await api.PostAsJsonAsync("agents", new { source }, Ct);
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<string> StartAgentAsync(HttpClient api, string agent, JsonNode input)
    {
        using var started = await api.PostAsJsonAsync($"agents/{agent}/runs", new JsonObject { ["input"] = input }, Ct);
        string body = await started.Content.ReadAsStringAsync(Ct);
        Assert.True(started.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    // Waits on the run table (polling the REST API for a minute would meet the key's rate limit), then reads the run once.
    private static async Task<JsonElement> FinishedAsync(TaskProcesses cluster, HttpClient api, string runId, TimeSpan? timeout = null)
    {
        try
        {
            await Poll.UntilAsync(
                async () => (await TreeAsync(cluster, runId)).Single(r => r.Id == runId).State is "completed" or "failed" or "cancelled",
                timeout ?? Finish,
                $"the run {runId} never finished");
        }
        catch (TimeoutException missed)
        {
            // What each run and job was doing, so that a failure on a loaded CI machine can be read after the fact.
            var runs = (await TreeAsync(cluster, runId)).Select(r => $"  run {r.Id} (parent {r.Parent}, depth {r.Depth}): {r.State} {r.Error}");
            var jobs = (await cluster.JobsAsync()).Select(j => $"  job {j.Id}: {j.State}, {j.Attempts} attempts, lease {j.LeaseOwner}, last error {j.LastError}");
            throw new TimeoutException(string.Join('\n', [missed.Message, .. runs, .. jobs]), missed);
        }

        return await GetAsync(api, runId);
    }

    private sealed record TreeRun(string Id, string? Parent, int Depth, JsonNode Allotment, string State, string? Error);

    // The first run and every copy in its tree, straight from workflow_runs.
    private static async Task<List<TreeRun>> TreeAsync(TaskProcesses cluster, string rootId)
    {
        await using DbConnection connection = cluster.ConnectionString is { } postgres
            ? new NpgsqlConnection(postgres)
            : new SqliteConnection($"Data Source={Path.Combine(cluster.Directory, "switchboard.db")};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, parent_run_id, depth, allotment, state, error FROM workflow_runs WHERE id = @root OR root_run_id = @root";
        var root = command.CreateParameter();
        root.ParameterName = "root";
        root.Value = rootId;
        command.Parameters.Add(root);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var runs = new List<TreeRun>();
        while (await reader.ReadAsync(Ct))
        {
            runs.Add(new TreeRun(
                reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? 0 : reader.GetInt32(2),
                reader.IsDBNull(3) ? new JsonObject() : JsonNode.Parse(reader.GetString(3))!, reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }

        return runs;
    }
}
