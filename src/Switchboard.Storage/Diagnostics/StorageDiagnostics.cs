using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Hosting;
using Switchboard.Storage.Queue;

namespace Switchboard.Storage.Diagnostics;

/// <summary>The storage layer's <see cref="ActivitySource"/>, <see cref="Meter"/> and instruments.</summary>
public static class StorageDiagnostics
{
    /// <summary>The name of both the meter and the activity source to enable in OpenTelemetry: <c>Switchboard.Storage</c>.</summary>
    public const string MeterName = "Switchboard.Storage";

    internal static readonly Meter Meter = new(MeterName, typeof(StorageDiagnostics).Assembly.GetName().Version?.ToString());

    internal static readonly ActivitySource ActivitySource = new(MeterName, typeof(StorageDiagnostics).Assembly.GetName().Version?.ToString());

    /// <summary>Times Redis went from available to unavailable.</summary>
    internal static readonly Counter<long> RedisOutages = Meter.CreateCounter<long>(
        "switchboard.storage.redis.outages", unit: "{outage}", description: "Times the connection to Redis was lost.");

    /// <summary>Operations served from local state because Redis was unavailable.</summary>
    internal static readonly Counter<long> RedisFallbacks = Meter.CreateCounter<long>(
        "switchboard.storage.redis.fallbacks", unit: "{operation}", description: "Cache and rate-limit operations served locally because Redis was unavailable.");

    /// <summary>Cache lookups by the level that answered: <c>local</c>, <c>shared</c> or <c>miss</c>.</summary>
    internal static readonly Counter<long> CacheLookups = Meter.CreateCounter<long>(
        "switchboard.storage.cache.lookups", unit: "{lookup}", description: "Hot-cache lookups by the level that answered.");

    /// <summary>How long one group commit of audit events took, from its first statement to its commit.</summary>
    internal static readonly Histogram<double> AuditAppendDuration = Meter.CreateHistogram(
        "switchboard.audit.append.duration", unit: "s", description: "Duration of one audit group commit (one transaction for every event in the batch).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    /// <summary>How many events one group commit wrote.</summary>
    internal static readonly Histogram<int> AuditBatchSize = Meter.CreateHistogram(
        "switchboard.audit.batch.size", unit: "{event}", description: "Audit events written by one group commit.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    /// <summary>Group commits that failed (each of their callers' requests failed with them).</summary>
    internal static readonly Counter<long> AuditAppendFailures = Meter.CreateCounter<long>(
        "switchboard.audit.append.failures", unit: "{failure}", description: "Audit group commits that failed; every request in the batch was refused or had its result withheld.");

    private static readonly ConcurrentDictionary<RedisConnection, byte> Connections = new();
    private static readonly ConcurrentDictionary<IdentityVersionWatcher, byte> DatabaseWatchers = new();
    private static readonly ConcurrentDictionary<QueueMetricsSampler, byte> QueueSamplers = new();

    /// <summary>The queue's jobs by state, from the last sample (<see cref="QueueMetricsSampler"/>), not a query per scrape.</summary>
    private static readonly ObservableGauge<long> QueueDepth = Meter.CreateObservableGauge(
        "switchboard.queue.depth", ObserveQueueDepth, unit: "{job}", description: "Jobs in the queue by state: queued, running, input_required, dead (finished jobs are not counted).");

    /// <summary>How long the queued job longest due has waited for a worker, from the last sample; 0 when none waits.</summary>
    private static readonly ObservableGauge<double> QueueOldestJobAge = Meter.CreateObservableGauge(
        "switchboard.queue.oldest_job.age", ObserveQueueOldestJobAge, unit: "s", description: "How long the queued job longest due has waited for a worker; 0 when none waits.");

    /// <summary>1 while a configured Redis is unavailable (summed over connections in this process).</summary>
    private static readonly ObservableGauge<int> RedisDegraded = Meter.CreateObservableGauge(
        "switchboard.storage.redis.degraded", () => Connections.Keys.Count(c => c.IsDegraded), unit: "{connection}", description: "Redis connections configured but unavailable.");

    /// <summary>1 when the dependency answers, 0 when not: the database (its last read a second ago) and Redis (only when configured).</summary>
    private static readonly ObservableGauge<int> DependencyUp = Meter.CreateObservableGauge(
        "switchboard.dependency.up", ObserveDependencies, unit: "1", description: "Whether a dependency answers: 1 up, 0 down.");

    internal static void Track(RedisConnection connection) => Connections.TryAdd(connection, 0);

    internal static void Untrack(RedisConnection connection) => Connections.TryRemove(connection, out _);

    internal static void Track(IdentityVersionWatcher watcher) => DatabaseWatchers.TryAdd(watcher, 0);

    internal static void Untrack(IdentityVersionWatcher watcher) => DatabaseWatchers.TryRemove(watcher, out _);

    internal static void Track(QueueMetricsSampler sampler) => QueueSamplers.TryAdd(sampler, 0);

    internal static void Untrack(QueueMetricsSampler sampler) => QueueSamplers.TryRemove(sampler, out _);

    // One sampler per host; a process with several hosts (tests) reports the first that has a sample.
    private static QueueSample? LatestQueueSample() => QueueSamplers.Keys.Select(s => s.Latest).FirstOrDefault(s => s is not null);

    private static IEnumerable<Measurement<long>> ObserveQueueDepth() =>
        LatestQueueSample() is { } sample
            ? sample.Depth.Select(d => new Measurement<long>(d.Value, new KeyValuePair<string, object?>("state", StateLabel(d.Key))))
            : [];

    private static IEnumerable<Measurement<double>> ObserveQueueOldestJobAge() =>
        LatestQueueSample() is { } sample ? [new Measurement<double>(sample.OldestReadyAge.TotalSeconds)] : [];

    private static string StateLabel(JobState state) => state switch
    {
        JobState.Queued => "queued",
        JobState.Running => "running",
        JobState.InputRequired => "input_required",
        JobState.Dead => "dead",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Finished jobs are not sampled."),
    };

    private static IEnumerable<Measurement<int>> ObserveDependencies()
    {
        // One series per dependency even with several hosts in one process (tests): down if any is down.
        var database = DatabaseWatchers.Keys.Select(w => w.DatabaseUp).Where(up => up >= 0).ToList();
        if (database.Count > 0)
        {
            yield return new Measurement<int>(database.Min(), new KeyValuePair<string, object?>("dependency", "database"));
        }

        var redis = Connections.Keys.Where(c => c.IsConfigured).ToList();
        if (redis.Count > 0)
        {
            yield return new Measurement<int>(redis.All(c => c.IsAvailable) ? 1 : 0, new KeyValuePair<string, object?>("dependency", "redis"));
        }
    }
}
