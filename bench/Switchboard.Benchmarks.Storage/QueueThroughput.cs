using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Switchboard.Storage.Database;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Queue;

namespace Switchboard.Benchmarks.Storage;

/// <summary>
/// The job queue on PostgreSQL, end to end through its SQL: how many jobs per second producers enqueue, and how many
/// two workers (each with its own connection pool, as two processes have) claim and complete; then the latency of one
/// short job on an idle queue, from enqueue to the worker claiming it (its NOTIFY wake-up: the job starts) and to the
/// producer seeing it completed.
/// Runs in a database of its own, created and dropped here.
/// </summary>
internal static class QueueThroughput
{
    public static async Task<int> RunAsync(string adminConnectionString, int jobs)
    {
        string name = $"sb_queue_bench_{Guid.NewGuid():N}";
        await using (var admin = new NpgsqlConnection(adminConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync();
            await using var fsync = new NpgsqlCommand("SHOW fsync", admin);
            await using var commit = new NpgsqlCommand("SHOW synchronous_commit", admin);
            Console.WriteLine($"PostgreSQL fsync={await fsync.ExecuteScalarAsync()} synchronous_commit={await commit.ExecuteScalarAsync()}");
        }

        string connectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
        try
        {
            await using var producerDb = new PostgreSqlStorageDatabase(connectionString);
            await new MigrationRunner(producerDb).MigrateAsync();
            var options = Options.Create(new JobQueueOptions { PollInterval = TimeSpan.FromSeconds(30) });
            var producer = new JobQueue(producerDb, new JobSignal(), options, TimeProvider.System);

            // 1. Enqueue: 16 producers, one committed row per job.
            var clock = Stopwatch.StartNew();
            int next = 0;
            await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
            {
                while (Interlocked.Increment(ref next) <= jobs)
                {
                    await producer.EnqueueAsync(new JobDraft("bench", "p", [], "{}"));
                }
            })));
            Report("enqueued", jobs, clock.Elapsed);

            // 2. Drain: two workers, each claiming up to 16 at a time and completing them concurrently.
            await using var workerA = new PostgreSqlStorageDatabase(connectionString);
            await using var workerB = new PostgreSqlStorageDatabase(connectionString);
            clock.Restart();
            int[] completed = await Task.WhenAll(new[] { workerA, workerB }.Select((db, n) => DrainAsync(new JobQueue(db, new JobSignal(), options, TimeProvider.System), $"worker-{n}")));
            Report("claimed+completed (2 workers)", completed.Sum(), clock.Elapsed);

            // 3. One short job at a time on an idle queue: enqueue → NOTIFY → claim → complete → seen completed.
            var signal = new JobSignal();
            var worker = new JobQueue(workerA, signal, options, TimeProvider.System);
            using var listener = new PostgresJobListener(workerA, signal, TimeProvider.System, NullLogger<PostgresJobListener>.Instance);
            var listening = signal.WaitAsync(TimeSpan.FromSeconds(10), TimeProvider.System, CancellationToken.None);
            await listener.StartAsync(CancellationToken.None);
            await listening;
            using var stop = new CancellationTokenSource();
            var claimedAt = new System.Collections.Concurrent.ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var loop = Task.Run(() => IdleWorkerAsync(worker, signal, claimedAt, stop.Token));
            var latencies = new List<double>();
            var wakeUps = new List<double>();
            for (int i = 0; i < 200; i++)
            {
                long started = Stopwatch.GetTimestamp();
                var job = await producer.EnqueueAsync(new JobDraft("bench", "p", [], "{}"));
                while ((await producer.GetAsync(job.Id))!.State != JobState.Completed)
                {
                    await Task.Delay(1);
                }

                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                wakeUps.Add(Stopwatch.GetElapsedTime(started, claimedAt[job.Id]).TotalMilliseconds);
                await Task.Delay(20);
            }

            await stop.CancelAsync();
            await loop;
            await listener.StopAsync(CancellationToken.None);
            Distribution("enqueue -> claimed (NOTIFY wake-up)", wakeUps);
            Distribution("short job end-to-end", latencies);
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(adminConnectionString);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<int> DrainAsync(JobQueue queue, string owner)
    {
        int done = 0;
        while (true)
        {
            var leases = await queue.ClaimAsync(owner, 16);
            if (leases.Count == 0)
            {
                return done;
            }

            await Task.WhenAll(leases.Select(lease => queue.CompleteAsync(lease, "{}")));
            done += leases.Count;
        }
    }

    // The enqueue call's start to the claim's return: the commit, the notification, the wake-up and the claim.
    private static void Distribution(string what, List<double> milliseconds)
    {
        milliseconds.Sort();
        Console.WriteLine(
            $"{what} (ms, n={milliseconds.Count}): min {milliseconds[0]:F1}  p50 {milliseconds[milliseconds.Count / 2]:F1}  p90 {milliseconds[(int)(milliseconds.Count * 0.9)]:F1}  " +
            $"p99 {milliseconds[(int)(milliseconds.Count * 0.99)]:F1}  max {milliseconds[^1]:F1}  under 50 ms: {milliseconds.Count(m => m < 50) * 100.0 / milliseconds.Count:F0}%");
    }

    private static async Task IdleWorkerAsync(JobQueue queue, JobSignal signal, System.Collections.Concurrent.ConcurrentDictionary<string, long> claimedAt, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var woken = signal.WaitAsync(TimeSpan.FromSeconds(30), TimeProvider.System, cancellationToken);
            foreach (var lease in await queue.ClaimAsync("idle", 1, CancellationToken.None))
            {
                claimedAt[lease.Job.Id] = Stopwatch.GetTimestamp();
                await queue.CompleteAsync(lease, "{}", CancellationToken.None);
            }

            try
            {
                await woken;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private static void Report(string what, int count, TimeSpan elapsed) =>
        Console.WriteLine($"{what,-32} {count,7} jobs in {elapsed.TotalSeconds,6:F2} s = {count / elapsed.TotalSeconds,8:F0} jobs/s");
}
