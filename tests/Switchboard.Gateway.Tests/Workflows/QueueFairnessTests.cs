using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;
using static Switchboard.Gateway.Tests.Workflows.RunsApi;

namespace Switchboard.Gateway.Tests.Workflows;

/// <summary>
/// What one principal's runs may not do to everyone else's, with the published executable on SQLite and two workers:
/// tasks that wait for their runs hold no worker (probe wf D2), and a fan-out is bounded and its queued jobs go with
/// a cancel (probe wf D3).
/// </summary>
public sealed class QueueFairnessTests
{
    private const string Approval = """
        name: appr
        steps:
          - id: ap
            approval: ok?
        """;

    private const string OneStep = """
        name: w1
        steps:
          - id: hi
            tool: everything/greet
            arguments: { name: other }
        """;

    // The tests poll quickly; the principals' request limits must not be what they measure.
    private static readonly string[] Flags =
    [
        "--Queue:Concurrency=2",
        "--RateLimits:Roles:admin:PerPrincipal:Permits=100000", "--RateLimits:Roles:admin:PerPrincipal:Burst=10000", "--RateLimits:Roles:admin:PerPrincipal:Period=00:01:00",
        "--RateLimits:Roles:agent:PerPrincipal:Permits=100000", "--RateLimits:Roles:agent:PerPrincipal:Burst=10000", "--RateLimits:Roles:agent:PerPrincipal:Period=00:01:00",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task MoreWaitingWorkflowRunTasksThanWorkers_HoldNoWorker_AndAnotherPrincipalsRunCompletes()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync(Flags);
        using var admin = Client(gateway, cluster.AdminKey);
        await AddWorkflowsAsync(admin, Approval, OneStep);

        // Three tasks, each waiting for a run that waits for an approval: more than the two workers.
        var tasks = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var call = new JsonObject { ["name"] = "workflows__run", ["arguments"] = new JsonObject { ["workflow"] = "appr" } };
            var (status, message) = await gateway.RequestAsync(cluster.AdminKey, "tools/call", TaskProcesses.WithTasks(call), Ct);
            Assert.Equal(HttpStatusCode.OK, status);
            tasks.Add(message!.Value.GetProperty("result").GetProperty("taskId").GetString()!);
        }

        // Every run gets a worker for its decisions and reaches its approval, although three tasks wait for them.
        List<string> runIds = [];
        await Poll.UntilAsync(
            async () =>
            {
                runIds = [.. JsonDocument.Parse(await admin.GetStringAsync(new Uri("runs", UriKind.Relative), Ct)).RootElement.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetString()!)];
                return runIds.Count == 3 && (await Task.WhenAll(runIds.Select(id => GetAsync(admin, id)))).All(r => Step(r, "ap").GetProperty("state").GetString() == "waiting");
            },
            Finish,
            "the runs the tasks started never all reached their approval");

        // Another principal's run is not held up by them.
        string otherKey = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "other-agent", "agent");
        using var other = Client(gateway, otherKey);
        string otherRun = await StartAsync(other, "w1");
        var done = await WaitForAsync(other, otherRun, r => r.GetProperty("state").GetString() is "completed" or "failed", "another principal's run never finished");
        Assert.Equal("completed", done.GetProperty("state").GetString());

        // The tasks wait in the queue, not on a worker (a parked task runs only for a moment to look at its run when
        // woken), and still say "working".
        await Poll.UntilAsync(
            async () => (await cluster.JobsAsync()).Where(j => tasks.Contains(j.Id)).All(j => j.State == "queued"),
            Finish,
            "a task's job stayed on a worker while its run waited");
        foreach (string task in tasks)
        {
            var (got, _) = await TaskProcesses.TaskRequestAsync(gateway, cluster.AdminKey, "tasks/get", task);
            Assert.Equal("working", got!.Value.GetProperty("status").GetString());
        }

        // Approving a run ends its task at once (the run's end wakes it; its own recheck is 30 s away), with the summary.
        var clock = Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync($"runs/{runIds[0]}/approvals", new { step = "ap", approved = true }, Ct)).StatusCode);
        JsonElement? finished = null;
        await Poll.UntilAsync(
            async () =>
            {
                foreach (string task in tasks)
                {
                    var (got, _) = await TaskProcesses.TaskRequestAsync(gateway, cluster.AdminKey, "tasks/get", task);
                    if (got!.Value.GetProperty("status").GetString() != "working")
                    {
                        finished = got;
                        return true;
                    }
                }

                return false;
            },
            TimeSpan.FromSeconds(15),
            "no task finished after its run was approved");
        TestContext.Current.SendDiagnosticMessage($"the task finished {clock.ElapsedMilliseconds} ms after its run was approved");
        Assert.Equal("completed", finished!.Value.GetProperty("status").GetString());
        var result = finished.Value.GetProperty("result");
        Assert.False(result.GetProperty("isError").GetBoolean());
        using (var summary = JsonDocument.Parse(result.GetProperty("content")[0].GetProperty("text").GetString()!))
        {
            Assert.Equal(runIds[0], summary.RootElement.GetProperty("runId").GetString());
            Assert.Equal("completed", summary.RootElement.GetProperty("state").GetString());
            Assert.True(summary.RootElement.GetProperty("steps").GetProperty("ap").GetProperty("output").GetProperty("approved").GetBoolean());
        }

        // Cancelling a waiting task stops the wait, not its run.
        string waiting = tasks.First(t => t != finished.Value.GetProperty("taskId").GetString());
        var (_, cancelError) = await TaskProcesses.TaskRequestAsync(gateway, cluster.AdminKey, "tasks/cancel", waiting);
        Assert.Null(cancelError);
        var cancelled = await TaskProcesses.WaitForTerminalAsync(gateway, cluster.AdminKey, waiting, Finish);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        foreach (string runId in runIds.Skip(1))
        {
            Assert.Equal("running", (await GetAsync(admin, runId)).GetProperty("state").GetString());
        }
    }

    [Fact]
    public async Task AFanOutOfSubWorkflowRunsWiderThanTheWorkers_Completes()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync(Flags);
        using var admin = Client(gateway, cluster.AdminKey);
        const string Child = """
            name: child
            inputs: { n: }
            steps:
              - id: pause
                wait: 1s
              - id: hi
                tool: everything/greet
                arguments: { name: "child ${{ inputs.n }}" }
            """;
        const string Parent = """
            name: parent
            inputs: { items: }
            steps:
              - id: each
                foreach: "${{ inputs.items }}"
                concurrency: 4
                do:
                  tool: workflows/run
                  arguments: { workflow: child, inputs: { n: "${{ item }}" } }
            """;
        await AddWorkflowsAsync(admin, Child, Parent);

        // Four items, each a tool step that starts a sub-workflow and waits for it, on two workers: the waiting steps
        // lend their places, so the sub-workflows' own steps still get workers (held, every run stopped for good).
        string runId = await StartAsync(admin, "parent", new { items = new[] { 1, 2, 3, 4 } });
        var done = await WaitForAsync(admin, runId, r => r.GetProperty("state").GetString() is "completed" or "failed" or "cancelled", "the fan-out of sub-workflow runs never finished");
        Assert.Equal("completed", done.GetProperty("state").GetString());
        var outputs = Step(done, "each").GetProperty("output").EnumerateArray().ToList();
        Assert.Equal(4, outputs.Count);
        Assert.All(outputs, o => Assert.Equal("completed", o.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task AForeachOverTheLimitIsRefused_AndCancellingARunDropsItsQueuedJobsAtOnce()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync([.. Flags, "--Workflows:MaxForeachItems=40"]);
        using var admin = Client(gateway, cluster.AdminKey);
        const string Fan = """
            name: fan
            inputs: { items: }
            steps:
              - id: each
                foreach: "${{ inputs.items }}"
                concurrency: 40
                do:
                  tool: everything/slow_compute
                  arguments: { seconds: 3, label: "item ${{ item }}" }
            """;
        await AddWorkflowsAsync(admin, Fan, OneStep);

        using (var refused = await admin.PostAsJsonAsync("runs", new { workflow = "fan", inputs = new { items = Enumerable.Range(0, 41).ToArray() } }, Ct))
        {
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            string problem = await refused.Content.ReadAsStringAsync(Ct);
            Assert.Contains("41 items", problem, StringComparison.Ordinal);
            Assert.Contains("Workflows:MaxForeachItems", problem, StringComparison.Ordinal);
        }

        // Forty items on two workers: two run, the rest wait in the queue.
        string runId = await StartAsync(admin, "fan", new { items = Enumerable.Range(0, 40).ToArray() });
        await Poll.UntilAsync(
            async () => (await cluster.JobsAsync()).Count(j => j.State == "queued") >= 30,
            Finish,
            "the fan-out's items were never queued");

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync(new Uri($"runs/{runId}/cancel", UriKind.Relative), null, Ct)).StatusCode);

        // The cancel took the run's queued jobs with it, at once: none waits to claim a worker for a cancelled run.
        var jobs = await cluster.JobsAsync();
        Assert.DoesNotContain(jobs, j => j.State == "queued");
        Assert.True(jobs.Count(j => j.State == "cancelled" && j.LastError == "cancelled before it ran") >= 30, string.Join("\n", jobs));

        string otherKey = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "other-agent", "agent");
        using var other = Client(gateway, otherKey);
        string otherRun = await StartAsync(other, "w1");
        var done = await WaitForAsync(other, otherRun, r => r.GetProperty("state").GetString() is "completed" or "failed", "another principal's run never finished");
        Assert.Equal("completed", done.GetProperty("state").GetString());
    }
}
