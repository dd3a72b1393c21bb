using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using Switchboard.Storage.Database;
using Switchboard.Storage.Diagnostics;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Benchmarks.Storage;

/// <summary>
/// The audit group commit alone, in-process, on a fresh SQLite file: <c>callers</c> closed-loop callers append a tool
/// call's event each, over and over, as one of <c>actors</c> principals (scattered actors dirty more pages of the actor
/// index per commit; the load generator's calls are all one key's), through <see cref="GroupCommitAuditStore"/>, as the gateway's requests do. Prints
/// events per second, the whole process's CPU and allocated bytes per event, and the mean batch, after a warm-up.
/// Allocated bytes per event hold steady on a loaded machine where the gateway's bytes per call (background work
/// divided by a varying call rate) do not. On Linux it also prints the writer thread's own CPU per event (from
/// <c>/proc/self/task/*/stat</c>): the group commit's cost without the callers'.
/// </summary>
internal static class AuditAppendLoad
{
    public static async Task<int> RunAsync(int callers, int seconds, int actors)
    {
        actors = Math.Clamp(actors, 1, callers);
        var directory = Directory.CreateTempSubdirectory("sb-audit-bench-");
        try
        {
            await using var database = new SqliteStorageDatabase($"Data Source={Path.Combine(directory.FullName, "switchboard.db")}");
            await new MigrationRunner(database).MigrateAsync();
            await using var audit = new GroupCommitAuditStore(new SqlAuditStore(database));
            long commits = 0;
            using var batches = new MeterListener
            {
                InstrumentPublished = (instrument, listener) =>
                {
                    if (instrument.Meter.Name == StorageDiagnostics.MeterName && instrument.Name == "switchboard.audit.batch.size")
                    {
                        listener.EnableMeasurementEvents(instrument);
                    }
                },
            };
            batches.SetMeasurementEventCallback<int>((_, _, _, _) => Interlocked.Increment(ref commits));
            batches.Start();

            await RunForAsync(audit, callers, actors, TimeSpan.FromSeconds(Math.Max(3, seconds / 2))); // warm-up
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var writerTask = FindWriterThread();
            long writerTicks = WriterTicks(writerTask);
            long commitsBefore = Interlocked.Read(ref commits);
            long events = await RunForAsync(audit, callers, actors, TimeSpan.FromSeconds(seconds));
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            var cpuUs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds;
            writerTicks = WriterTicks(writerTask) - writerTicks;
            long measuredCommits = Interlocked.Read(ref commits) - commitsBefore;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"RESULT callers={callers} actors={actors} events_per_s={events / seconds} bytes_per_event={allocated / events} cpu_us_per_event={cpuUs / events:F1} events_per_commit={(double)events / measuredCommits:F1} writer_cpu_us_per_event={(writerTask is null ? double.NaN : writerTicks * 1e6 / ClockTicksPerSecond / events):F1}"));
            return 0;
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            directory.Delete(recursive: true);
        }
    }

    // USER_HZ: the unit of utime and stime in /proc/<pid>/task/<tid>/stat; 100 on every Linux build we run.
    private const double ClockTicksPerSecond = 100;

    // The writer names its thread "Switchboard audit writer"; Linux keeps the first 15 bytes of a thread's name.
    private static string? FindWriterThread()
    {
        const string Tasks = "/proc/self/task";
        if (!Directory.Exists(Tasks))
        {
            return null;
        }

        return Directory.EnumerateDirectories(Tasks).FirstOrDefault(task =>
            File.ReadAllText(Path.Combine(task, "comm")).Trim() == "Switchboard aud");
    }

    // utime + stime, fields 14 and 15, counted after the parenthesised command name (which may hold spaces).
    private static long WriterTicks(string? task)
    {
        if (task is null)
        {
            return 0;
        }

        var stat = File.ReadAllText(Path.Combine(task, "stat"));
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static async Task<long> RunForAsync(GroupCommitAuditStore audit, int callers, int actors, TimeSpan duration)
    {
        long events = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                await audit.AppendAsync(new AuditEventDraft(DateTimeOffset.UtcNow, $"key:bench{caller % actors}", "tools/call", "utilities__uuid_v4", "ok", """{"durationMs":0.1}"""));
                Interlocked.Increment(ref events);
            }
        })));
        return events;
    }
}
