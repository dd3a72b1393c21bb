using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;
using static Switchboard.Gateway.Tests.Workflows.RunsApi;

namespace Switchboard.Gateway.Tests.Workflows;

/// <summary>
/// The workflow engine end to end through the REST API, with the published executable on real PostgreSQL: fan-out,
/// approval, retries and compensation in one run; a worker killed mid-step; bad definitions; another principal.
/// </summary>
public sealed class WorkflowRunTests
{
    private const string Saga = """
        name: saga
        inputs:
          names:
        steps:
          - id: greet_all
            foreach: "${{ inputs.names }}"
            concurrency: 8
            do:
              tool: everything/greet
              arguments:
                name: "${{ item }}"
          - id: approve
            approval: Reserve and charge?
          - id: reserve
            tool: everything/greet
            arguments:
              name: "${{ steps.greet_all.output[99] }}"
            compensate:
              tool: everything/greet
              arguments:
                name: "release ${{ steps.reserve.output }}"
          - id: charge
            tool: everything/test_error_handling
            retry:
              max_attempts: 3
              backoff: 100ms
        """;

    // The REST polling of these tests is not limited; the fan-out's tool calls keep the default per-tool limit (burst
    // 50, 5 a second), so half the items are deferred by it and must still complete.
    private static readonly string[] RateLimits =
    [
        "--RateLimits:Roles:admin:PerPrincipal:Permits=100000", "--RateLimits:Roles:admin:PerPrincipal:Burst=10000", "--RateLimits:Roles:admin:PerPrincipal:Period=00:01:00",
        "--RateLimits:Roles:admin:PerPrincipalTool:Permits=300", "--RateLimits:Roles:admin:PerPrincipalTool:Burst=50", "--RateLimits:Roles:admin:PerPrincipalTool:Period=00:01:00",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FanOutApprovalRetriesAndCompensation_ThroughRest_OnPostgres()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        var gateway = await cluster.StartServeAsync(RateLimits);
        using var admin = Client(gateway, cluster.AdminKey);
        using (var added = await admin.PostAsJsonAsync("workflows", new { source = Saga }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        }

        var names = Enumerable.Range(0, 100).Select(i => $"n{i}").ToArray();
        string runId = await StartAsync(admin, "saga", new { names });
        var waiting = await WaitForAsync(admin, runId, r => Step(r, "approve").GetProperty("state").GetString() == "waiting", "the approval never waited");

        var fanOut = Step(waiting, "greet_all");
        Assert.Equal("completed", fanOut.GetProperty("state").GetString());
        Assert.Equal(names.Select(n => $"Hello, {n}!"), fanOut.GetProperty("output").EnumerateArray().Select(o => o.GetString()));
        var duration = fanOut.GetProperty("finishedAt").GetDateTimeOffset() - fanOut.GetProperty("startedAt").GetDateTimeOffset();
        TestContext.Current.SendDiagnosticMessage($"fan-out of 100 items at concurrency 8: {duration.TotalMilliseconds:F0} ms");
        Assert.Equal(100, waiting.GetProperty("steps").EnumerateArray().Count(s => s.GetProperty("key").GetString()!.StartsWith("greet_all[", StringComparison.Ordinal)));

        // Another principal sees no run, cannot approve it.
        string otherKey = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "other-agent", "agent");
        using var other = Client(gateway, otherKey);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync(new Uri($"runs/{runId}", UriKind.Relative), Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.PostAsJsonAsync($"runs/{runId}/approvals", new { step = "approve", approved = true }, Ct)).StatusCode);

        using (var approved = await admin.PostAsJsonAsync($"runs/{runId}/approvals", new { step = "approve", approved = true, comment = "go" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        }

        // The definition and the decision are in the audit trail, as changes to keys, roles and servers are.
        var definition = Assert.Single(await AuditAsync(admin, "workflows.add"), e => e.GetProperty("target").GetString() == "saga");
        Assert.Equal(1, definition.GetProperty("details").GetProperty("version").GetInt32());
        var decision = Assert.Single(await AuditAsync(admin, "runs.approve"), e => e.GetProperty("target").GetString() == runId);
        Assert.Equal("approve", decision.GetProperty("details").GetProperty("step").GetString());
        Assert.Equal("go", decision.GetProperty("details").GetProperty("comment").GetString());

        var done = await WaitForAsync(admin, runId, r => r.GetProperty("state").GetString() is "completed" or "failed" or "cancelled", "the run never finished");
        Assert.Equal("failed", done.GetProperty("state").GetString());
        Assert.Contains("charge", done.GetProperty("error").GetString(), StringComparison.Ordinal);
        var charge = Step(done, "charge");
        Assert.Equal("failed", charge.GetProperty("state").GetString());
        Assert.Equal(3, charge.GetProperty("attempt").GetInt32());
        Assert.Equal("completed", Step(done, "approve").GetProperty("state").GetString());
        Assert.Equal("Hello, Hello, n99!!", Step(done, "reserve").GetProperty("output").GetString());
        var compensation = Step(done, "reserve~compensate");
        Assert.Equal("completed", compensation.GetProperty("state").GetString());
        Assert.Equal("Hello, release Hello, Hello, n99!!!", compensation.GetProperty("output").GetString());

        // The events stream (SSE) ends with the run's end, and holds each completed step execution once.
        string events = await admin.GetStringAsync(new Uri($"runs/{runId}/events", UriKind.Relative), Ct);
        string lastEvent = events.Split('\n').Last(l => l.StartsWith("data:", StringComparison.Ordinal));
        Assert.Contains("\"step\":null", lastEvent, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"failed\"", lastEvent, StringComparison.Ordinal);
        Assert.Equal(100, events.Split('\n').Count(l => l.Contains("\"step\":\"greet_all[", StringComparison.Ordinal) && l.Contains("\"state\":\"completed\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task FanOutApprovalRetriesAndCompensation_ThroughMcpTask_OnSqlite()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync(RateLimits);
        using var admin = Client(gateway, cluster.AdminKey);
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("workflows", new { source = Saga }, Ct)).StatusCode);
        var call = new JsonObject
        {
            ["name"] = "workflows__run",
            ["arguments"] = new JsonObject { ["workflow"] = "saga", ["inputs"] = new JsonObject { ["names"] = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)$"n{i}")]) } },
        };

        var (_, refused) = await gateway.RequestAsync(cluster.AdminKey, "tools/call", call.DeepClone().AsObject(), Ct);
        Assert.Equal(-32021, refused!.Value.GetProperty("error").GetProperty("code").GetInt32()); // only as a task
        var (status, message) = await gateway.RequestAsync(cluster.AdminKey, "tools/call", TaskProcesses.WithTasks(call), Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        string taskId = message!.Value.GetProperty("result").GetProperty("taskId").GetString()!;

        // The run is the caller's: it is listed for them, and its approval is given through REST.
        string? runId = null;
        await Poll.UntilAsync(
            async () =>
            {
                var runs = JsonDocument.Parse(await admin.GetStringAsync(new Uri("runs", UriKind.Relative), Ct)).RootElement.GetProperty("runs");
                runId = runs.GetArrayLength() > 0 ? runs[0].GetProperty("id").GetString() : null;
                return runId is not null;
            },
            Finish,
            "the task never started a run");
        await WaitForAsync(admin, runId!, r => Step(r, "approve").GetProperty("state").GetString() == "waiting", "the approval never waited");
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"runs/{runId}/approvals", new { step = "approve", approved = true }, Ct)).StatusCode);
        var done = await TaskProcesses.WaitForTerminalAsync(gateway, cluster.AdminKey, taskId, Finish);

        Assert.Equal("completed", done.GetProperty("status").GetString());
        var result = done.GetProperty("result");
        Assert.True(result.GetProperty("isError").GetBoolean());
        using var summary = JsonDocument.Parse(result.GetProperty("content")[0].GetProperty("text").GetString()!);
        var run = summary.RootElement;
        Assert.Equal(runId, run.GetProperty("runId").GetString());
        Assert.Equal("failed", run.GetProperty("state").GetString());
        Assert.Equal(100, run.GetProperty("steps").GetProperty("greet_all").GetProperty("output").GetArrayLength());
        Assert.Equal("completed", run.GetProperty("steps").GetProperty("reserve~compensate").GetProperty("state").GetString());
        Assert.Equal("failed", run.GetProperty("steps").GetProperty("charge").GetProperty("state").GetString());
        Assert.Single(JsonDocument.Parse(await admin.GetStringAsync(new Uri("runs", UriKind.Relative), Ct)).RootElement.GetProperty("runs").EnumerateArray());
    }

    [Fact]
    public async Task WorkerKilledMidStep_OnPostgresWithTwoWorkers_RunCompletesWithNoStepCompletedTwice()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        var gateway = await cluster.StartServeAsync("--Queue:InProcessWorker=false");
        var doomed = await cluster.StartWorkerAsync();
        using var admin = Client(gateway, cluster.AdminKey);
        const string Slow = """
            name: slow
            steps:
              - id: compute
                tool: everything/slow_compute
                arguments: { seconds: 3, label: once }
              - id: after
                tool: everything/greet
                arguments: { name: "${{ steps.compute.output }}" }
            """;
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("workflows", new { source = Slow }, Ct)).StatusCode);
        string runId = await StartAsync(admin, "slow", new { });
        await WaitForAsync(admin, runId, r => Step(r, "compute").GetProperty("state").GetString() == "running", "the slow step never ran");

        await doomed.SignalAsync("KILL");
        await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await cluster.StartWorkerAsync();

        var done = await WaitForAsync(admin, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the run never finished after the worker died");
        Assert.Equal("completed", done.GetProperty("state").GetString());
        Assert.Equal("Hello, Computed once after 3 s.!", Step(done, "after").GetProperty("output").GetString());
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand("SELECT step, COUNT(*) FROM workflow_events WHERE run_id = @run AND state = 'completed' GROUP BY step", connection);
        command.Parameters.AddWithValue("run", runId);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var completions = new Dictionary<string, long>();
        while (await reader.ReadAsync(Ct))
        {
            completions[reader.IsDBNull(0) ? "(run)" : reader.GetString(0)] = reader.GetInt64(1);
        }

        Assert.Equal(new Dictionary<string, long> { ["(run)"] = 1, ["compute"] = 1, ["after"] = 1 }, completions);
    }

    [Fact]
    public async Task StepJobDeadLettered_OnPostgres_FailsTheStepAndCompensates()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        // One queue attempt: the worker's death on the step is its last, so the job is dead-lettered when taken back.
        var gateway = await cluster.StartServeAsync("--Queue:InProcessWorker=false", "--Queue:MaxAttempts=1");
        var doomed = await cluster.StartWorkerAsync("--Queue:MaxAttempts=1");
        using var admin = Client(gateway, cluster.AdminKey);
        const string Doomed = """
            name: doomed
            steps:
              - id: reserve
                tool: everything/greet
                arguments: { name: reserved }
                compensate:
                  tool: everything/greet
                  arguments: { name: released }
              - id: compute
                tool: everything/slow_compute
                arguments: { seconds: 30, label: never }
              - id: after
                tool: everything/greet
                arguments: { name: "${{ steps.compute.output }}" }
            """;
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("workflows", new { source = Doomed }, Ct)).StatusCode);
        string runId = await StartAsync(admin, "doomed", new { });
        await WaitForAsync(admin, runId, r => Step(r, "compute").GetProperty("state").GetString() == "running", "the slow step never ran");

        await doomed.SignalAsync("KILL");
        await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await cluster.StartWorkerAsync("--Queue:MaxAttempts=1");

        var done = await WaitForAsync(admin, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the run stayed stopped after its step's job was dead-lettered");
        Assert.Equal("failed", done.GetProperty("state").GetString());
        var compute = Step(done, "compute");
        Assert.Equal("failed", compute.GetProperty("state").GetString());
        Assert.Contains("dead-lettered after 1 attempt(s)", compute.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("completed", Step(done, "reserve~compensate").GetProperty("state").GetString());
        Assert.Equal("Hello, released!", Step(done, "reserve~compensate").GetProperty("output").GetString());
        Assert.DoesNotContain(done.GetProperty("steps").EnumerateArray(), s => s.GetProperty("key").GetString() == "after" && s.GetProperty("state").GetString() == "completed");
        Assert.Contains(await cluster.JobsAsync(), j => j.State == "dead");

        string events = await admin.GetStringAsync(new Uri($"runs/{runId}/events", UriKind.Relative), Ct);
        Assert.Contains(events.Split('\n'), l => l.Contains("\"step\":\"compute\"", StringComparison.Ordinal) && l.Contains("\"state\":\"failed\"", StringComparison.Ordinal) && l.Contains("dead-lettered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InvalidDefinitions_AreRefused_WithTheLineOfEachError()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync();
        using var admin = Client(gateway, cluster.AdminKey);
        const string Bad = """
            name: bad
            steps:
              - id: a
                needs: [b]
                tool: everything/greet
              - id: b
                needs: [a]
                tool: everything/no_such_tool
              - id: c
                needs: [ghost]
                tool: everything/greet
                arguments:
                  name: "${{ steps.a.output + 1 }}"
              - id: d
                tool: everything/greet
                arguments:
                  name: "${{ steps.zzz.output }}"
            """;
        using var response = await admin.PostAsJsonAsync("workflows", new { source = Bad }, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        var errors = problem.RootElement.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("message").GetString()!)).ToList();
        Assert.Contains(errors, e => e.Item1 == 3 && e.Item2.Contains("cycle", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Item1 == 6 && e.Item2.Contains("'everything/no_such_tool' is not registered", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Item1 == 10 && e.Item2.Contains("needs 'ghost'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Item1 == 13 && e.Item2.Contains("expected the end", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Item1 == 17 && e.Item2.Contains("steps.zzz.output", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync(new Uri("workflows/bad", UriKind.Relative), Ct)).StatusCode);
    }

    [Fact]
    public async Task HostileDefinitions_AreRefusedWith400_AndTheGatewayLivesOn()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync();
        using var admin = Client(gateway, cluster.AdminKey);
        string deep = new string('[', 100_000) + new string(']', 100_000);
        string laughs = "name: lol\ninputs:\n  x:\n    default:\n      a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + string.Concat(Enumerable.Range(1, 8).Select(i => $"      a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n")) + "steps:\n  - id: a\n    wait: 1s\n";

        // Each of these ended the process (a stack overflow), took seconds and a gigabyte, or answered 500.
        foreach (var (path, source, line) in new[]
        {
            ("workflows", $"name: deep\nsteps:\n  - id: a\n    tool: utilities/uuid_v4\n    arguments: {{x: {deep}}}\n", 5),
            ("agents", $"name: deep\ninstructions: Go deep.\noutput_schema: {{x: {deep}}}\n", 3),
            ("workflows", laughs, 7),
            ("workflows", "name: f1\nsteps:\n  - id: a\n    wait: 99999999999d\n", 4),
            ("workflows", "name: f2\nsteps:\n  - id: a\n    tool: utilities/uuid_v4\n    arguments: {a: 1, !!str a: 2}\n", 5),
            ("agents", "name: f3\ninstructions: Wait.\nbudget: {wall_time: 99999999999d}\n", 3),
        })
        {
            using var response = await admin.PostAsJsonAsync(path, new { source }, Ct);
            string body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
            Assert.InRange(Assert.Single(JsonDocument.Parse(body).RootElement.GetProperty("errors").EnumerateArray()).GetProperty("line").GetInt32(), line, line + 6);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(new Uri("workflows", UriKind.Relative), Ct)).StatusCode);
    }

    private static async Task<List<JsonElement>> AuditAsync(HttpClient admin, string action)
    {
        var page = JsonDocument.Parse(await admin.GetStringAsync(new Uri($"audit?action={action}", UriKind.Relative), Ct)).RootElement;
        return [.. page.GetProperty("events").EnumerateArray()];
    }
}
