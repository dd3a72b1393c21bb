using System.Text.Json;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Tasks;

/// <summary>
/// MCP tasks over the durable queue, with real processes (the published executable) and real databases: replicas,
/// principals, and crashes (<c>kill -9</c>) of workers and gateways while tasks are pending or running.
/// </summary>
public sealed class DurableTaskTests
{
    private static readonly TimeSpan Finish = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task TaskCreatedOnReplicaA_IsAnsweredByReplicaB_AndIsNotFoundForAnotherPrincipal()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        var replicaA = await cluster.StartServeAsync("--Queue:InProcessWorker=false");
        var replicaB = await cluster.StartServeAsync(); // runs the job
        string otherKey = await TaskProcesses.CreateKeyAsync(replicaA, cluster.AdminKey, "other-agent", "agent");

        string taskId = await TaskProcesses.StartSlowComputeAsync(replicaA, cluster.AdminKey, 0.5, "replicated");
        var done = await TaskProcesses.WaitForTerminalAsync(replicaB, cluster.AdminKey, taskId, Finish);

        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Contains("replicated", done.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        foreach (var (replica, method) in new[] { (replicaA, "tasks/get"), (replicaB, "tasks/get"), (replicaB, "tasks/cancel"), (replicaA, "tasks/update") })
        {
            var (result, error) = await TaskProcesses.TaskRequestAsync(replica, otherKey, method, taskId);
            Assert.Null(result);
            Assert.Equal(-32602, error!.Value.GetProperty("code").GetInt32());
            Assert.Contains("Unknown task", error.Value.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var stillThere = await TaskProcesses.WaitForTerminalAsync(replicaA, cluster.AdminKey, taskId, Finish);
        Assert.Equal("completed", stillThere.GetProperty("status").GetString());
    }

    [Fact]
    public async Task CancelOfAFinishedTask_IsAcknowledged_AndTheTaskKeepsItsResult()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync();
        string taskId = await TaskProcesses.StartSlowComputeAsync(gateway, cluster.AdminKey, 0, "finished");
        var done = await TaskProcesses.WaitForTerminalAsync(gateway, cluster.AdminKey, taskId, Finish);

        var (ack, error) = await TaskProcesses.TaskRequestAsync(gateway, cluster.AdminKey, "tasks/cancel", taskId);

        Assert.Null(error);
        Assert.Equal("complete", ack!.Value.GetProperty("resultType").GetString());
        Assert.False(ack.Value.TryGetProperty("status", out _));
        var after = await TaskProcesses.WaitForTerminalAsync(gateway, cluster.AdminKey, taskId, Finish);
        Assert.Equal("completed", after.GetProperty("status").GetString());
        Assert.Equal(done.GetProperty("result").GetRawText(), after.GetProperty("result").GetRawText());
        var (_, unknown) = await TaskProcesses.TaskRequestAsync(gateway, cluster.AdminKey, "tasks/cancel", "0123456789abcdef0123456789abcdef");
        Assert.Equal(-32602, unknown!.Value.GetProperty("code").GetInt32());
    }

    /// <summary>
    /// Two workers on PostgreSQL; one is killed (-9) while it runs jobs, and so is the gateway that created them. The
    /// other worker takes the dead one's jobs over when their leases expire; a restarted gateway answers for all.
    /// </summary>
    [Fact]
    public async Task WorkerAndGatewayKilled_OnPostgresWithTwoWorkers_EveryTaskCompletesExactlyOnce()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        var gateway = await cluster.StartServeAsync("--Queue:InProcessWorker=false");
        var doomed = await cluster.StartWorkerAsync("--Queue:Concurrency=4");
        string[] tasks = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => TaskProcesses.StartSlowComputeAsync(gateway, cluster.AdminKey, 3, $"job-{i}")));

        // The doomed worker holds some of them (its name in lease_owner carries its process id).
        await Poll.UntilAsync(async () => (await cluster.JobsAsync()).Count(j => j.State == "running" && j.LeaseOwner!.Contains($"/{doomed.ProcessId}/", StringComparison.Ordinal)) >= 2, Finish, "the first worker never ran two jobs");
        await doomed.SignalAsync("KILL");
        await gateway.SignalAsync("KILL");
        await doomed.WaitForExitAsync(TimeSpan.FromSeconds(10));
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));

        await cluster.StartWorkerAsync();
        var restarted = await cluster.StartServeAsync("--Queue:InProcessWorker=false");
        foreach (string taskId in tasks)
        {
            var done = await TaskProcesses.WaitForTerminalAsync(restarted, cluster.AdminKey, taskId, Finish);
            Assert.Equal("completed", done.GetProperty("status").GetString());
        }

        var jobs = await cluster.JobsAsync();
        Assert.Equal(tasks.Order(), jobs.Select(j => j.Id).Order());
        Assert.All(jobs, j => Assert.True(j.State == "completed" && j.HasResult, $"job {j.Id}: {j.State}"));
        // Those the killed worker held ran twice (at-least-once); their second run finished them.
        Assert.Contains(jobs, j => j.Attempts == 2 && j.LastError!.Contains("stopped renewing the lease", StringComparison.Ordinal));
    }

    /// <summary>SQLite, one process: killed (-9) with tasks running and queued, restarted, and every task completes.</summary>
    [Fact]
    public async Task GatewayKilledWithTasksPending_OnSqlite_RestartedProcessCompletesEveryTaskExactlyOnce()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var first = await cluster.StartServeAsync("--Queue:Concurrency=2");
        string[] tasks = await Task.WhenAll(Enumerable.Range(0, 5).Select(i => TaskProcesses.StartSlowComputeAsync(first, cluster.AdminKey, 2, $"job-{i}")));
        await Poll.UntilAsync(async () => (await cluster.JobsAsync()).Count(j => j.State == "running") == 2, Finish, "no job started");

        await first.SignalAsync("KILL");
        await first.WaitForExitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(await cluster.JobsAsync(), j => j.State == "running"); // its leases outlive it
        var second = await cluster.StartServeAsync("--Queue:Concurrency=2");

        foreach (string taskId in tasks)
        {
            var done = await TaskProcesses.WaitForTerminalAsync(second, cluster.AdminKey, taskId, Finish);
            Assert.Equal("completed", done.GetProperty("status").GetString());
        }

        var jobs = await cluster.JobsAsync();
        Assert.Equal(5, jobs.Count);
        Assert.All(jobs, j => Assert.True(j.State == "completed" && j.HasResult, $"job {j.Id}: {j.State}"));
        Assert.Equal(2, jobs.Count(j => j.Attempts == 2));
    }

    [Fact]
    public async Task WorkerStoppedGracefully_ReturnsItsJobs_AndAnotherFinishesThem()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        var gateway = await cluster.StartServeAsync("--Queue:InProcessWorker=false");
        var stopping = await cluster.StartWorkerAsync("--Queue:ShutdownGrace=00:00:00.200", "--Queue:LeaseDuration=00:01:00", "--Queue:HeartbeatInterval=00:00:05");
        string taskId = await TaskProcesses.StartSlowComputeAsync(gateway, cluster.AdminKey, 30, "long");
        await Poll.UntilAsync(async () => (await cluster.JobsAsync()).Any(j => j.State == "running"), Finish, "the job never started");

        await stopping.SignalAsync("TERM");
        Assert.Equal(0, await stopping.WaitForExitAsync(TimeSpan.FromSeconds(30)));

        // Returned at once, not after the one-minute lease: queued again, its interrupted attempt not counted.
        var job = Assert.Single(await cluster.JobsAsync());
        Assert.Equal(("queued", 0), (job.State, job.Attempts));
        Assert.Equal(JsonValueKind.String, (await TaskProcesses.TaskRequestAsync(gateway, cluster.AdminKey, "tasks/get", taskId)).Result!.Value.GetProperty("status").ValueKind);
    }
}
