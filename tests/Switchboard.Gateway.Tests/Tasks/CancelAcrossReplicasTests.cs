using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Tasks;

/// <summary>
/// A cancel given to one replica stops a job that another process's worker is running, through PostgreSQL NOTIFY,
/// long before that worker's next heartbeat (set to a minute here) could have noticed it.
/// </summary>
public sealed class CancelAcrossReplicasTests
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task CancelOnGateway_StopsTheJobOnAnotherProcesssWorker_BeforeItsHeartbeat()
    {
        // Heartbeats a minute apart: only the notification can stop the job within Prompt.
        string[] slowHeartbeat = ["--Queue:HeartbeatInterval=00:01:00", "--Queue:LeaseDuration=00:03:00"];
        await using var cluster = await TaskProcesses.CreateAsync(postgres: true);
        var gateway = await cluster.StartServeAsync(["--Queue:InProcessWorker=false", .. slowHeartbeat]);
        var worker = await cluster.StartWorkerAsync(slowHeartbeat);
        string taskId = await TaskProcesses.StartSlowComputeAsync(gateway, cluster.AdminKey, 120, "cancelled");
        await Poll.UntilAsync(async () => (await cluster.JobsAsync()).Any(j => j.State == "running" && j.LeaseOwner!.Contains($"/{worker.ProcessId}/", StringComparison.Ordinal)), TaskProcesses.StartTimeout, "the worker never ran the job");

        var (_, error) = await TaskProcesses.TaskRequestAsync(gateway, cluster.AdminKey, "tasks/cancel", taskId);
        Assert.Null(error);

        var done = await TaskProcesses.WaitForTerminalAsync(gateway, cluster.AdminKey, taskId, Prompt);
        Assert.Equal("cancelled", done.GetProperty("status").GetString());
        var job = Assert.Single(await cluster.JobsAsync());
        Assert.Equal("cancelled", job.State);
        Assert.Equal("cancelled while running", job.LastError);
    }
}
