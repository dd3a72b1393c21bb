using System.Net;
using Microsoft.Data.Sqlite;

namespace Switchboard.Gateway.Tests.Tasks;

/// <summary>
/// The published gateway on SQLite while another process (a backup, an import, <c>switchboard servers add</c>) holds
/// the file's write lock for longer than the busy timeout.
/// </summary>
public sealed class StorageBusyTests
{
    private static readonly TimeSpan Finish = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// SQLite's "database is locked" escaped the job worker's loop, and a BackgroundService that throws stops the
    /// host: the whole gateway exited. It is a transient outage: the worker backs off, and the task completes once
    /// the lock is gone.
    /// </summary>
    [Fact]
    public async Task SqliteWriteLockedPastTheBusyTimeout_GatewayKeepsServing_AndTheTaskCompletesOnceReleased()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        string file = Path.Combine(cluster.Directory, "switchboard.db");
        var gateway = await cluster.StartServeAsync(
            $"--Storage:ConnectionString=Data Source={file};Default Timeout=1", // a 1 s busy timeout, so the test is short
            "--Queue:PollInterval=00:00:00.200");
        string taskId = await TaskProcesses.StartSlowComputeAsync(gateway, cluster.AdminKey, 1, "through-the-lock");

        await using (var locker = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await locker.OpenAsync(Ct);
            await using var begin = locker.CreateCommand();
            begin.CommandText = "BEGIN IMMEDIATE";
            await begin.ExecuteNonQueryAsync(Ct);

            // The worker's claims and lease renewals wait out the busy timeout and fail while this is held.
            await gateway.WaitForOutputAsync("database is locked", Finish);
        }

        var done = await TaskProcesses.WaitForTerminalAsync(gateway, cluster.AdminKey, taskId, Finish);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, (await gateway.TryGetReadinessAsync(Ct)).Status);
        Assert.Contains("the worker tries again", gateway.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("BackgroundService has thrown", gateway.Output, StringComparison.Ordinal);
    }
}
