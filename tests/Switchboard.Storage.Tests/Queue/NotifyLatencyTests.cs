using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Database;
using Switchboard.Storage.Queue;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Queue;

/// <summary>
/// How soon an idle worker on another connection pool claims a job after it is enqueued, woken by PostgreSQL
/// LISTEN/NOTIFY. The distribution is reported, not asserted (speed targets live in benchmarks); what is asserted is
/// that each wake-up came from the notification, long before the 30 s poll would have found the job.
/// </summary>
public sealed class NotifyLatencyTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task IdleWorker_IsWokenByNotify_AndClaimsEachNewJob_ReportingTheDistribution()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(StorageProvider.PostgreSql, migrate: true);
        await using var workerDatabase = new PostgreSqlStorageDatabase(db.ConnectionString);
        var options = Options.Create(new JobQueueOptions { PollInterval = Poll });
        var producer = new JobQueue(db.Database, new JobSignal(), options, TimeProvider.System);
        var workerSignal = new JobSignal();
        var worker = new JobQueue(workerDatabase, workerSignal, options, TimeProvider.System);
        using var listener = new PostgresJobListener(workerDatabase, workerSignal, TimeProvider.System, NullLogger<PostgresJobListener>.Instance);
        var listening = workerSignal.WaitAsync(Poll, TimeProvider.System, ct); // the listener signals once it listens
        await listener.StartAsync(ct);
        await listening;

        var latencies = new List<double>();
        for (int i = 0; i < 40; i++)
        {
            var woken = workerSignal.WaitAsync(Poll, TimeProvider.System, ct);
            long enqueued = Stopwatch.GetTimestamp();
            await producer.EnqueueAsync(new JobDraft("latency", "p", [], "{}"), ct);
            await woken;
            var claimed = await worker.ClaimAsync("idle-worker", 1, ct);
            var elapsed = Stopwatch.GetElapsedTime(enqueued);
            Assert.Single(claimed);
            Assert.True(elapsed < Poll, $"job {i} was found by the poll after {elapsed}, not woken by NOTIFY");
            Assert.True(await worker.CompleteAsync(claimed[0], "{}", ct));
            latencies.Add(elapsed.TotalMilliseconds);
            await Task.Delay(50, ct); // idle between jobs, as the scenario is an idle system
        }

        await listener.StopAsync(ct);
        latencies.Sort();
        TestContext.Current.SendDiagnosticMessage(
            $"NOTIFY enqueue→claim latency over {latencies.Count} jobs (ms): min {latencies[0]:F1}, p50 {latencies[latencies.Count / 2]:F1}, " +
            $"p90 {latencies[(int)(latencies.Count * 0.9)]:F1}, max {latencies[^1]:F1}");
    }
}
