using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Switchboard.Storage.Caching;

namespace Switchboard.Storage.Diagnostics;

/// <summary>The storage layer's <see cref="Meter"/> and its instruments.</summary>
public static class StorageDiagnostics
{
    /// <summary>The meter name to enable in OpenTelemetry: <c>Switchboard.Storage</c>.</summary>
    public const string MeterName = "Switchboard.Storage";

    internal static readonly Meter Meter = new(MeterName, typeof(StorageDiagnostics).Assembly.GetName().Version?.ToString());

    /// <summary>Times Redis went from available to unavailable.</summary>
    internal static readonly Counter<long> RedisOutages = Meter.CreateCounter<long>(
        "switchboard.storage.redis.outages", unit: "{outage}", description: "Times the connection to Redis was lost.");

    /// <summary>Operations served from local state because Redis was unavailable.</summary>
    internal static readonly Counter<long> RedisFallbacks = Meter.CreateCounter<long>(
        "switchboard.storage.redis.fallbacks", unit: "{operation}", description: "Cache and rate-limit operations served locally because Redis was unavailable.");

    /// <summary>Cache lookups by the level that answered: <c>local</c>, <c>shared</c> or <c>miss</c>.</summary>
    internal static readonly Counter<long> CacheLookups = Meter.CreateCounter<long>(
        "switchboard.storage.cache.lookups", unit: "{lookup}", description: "Hot-cache lookups by the level that answered.");

    private static readonly ConcurrentDictionary<RedisConnection, byte> Connections = new();

    /// <summary>1 while a configured Redis is unavailable (summed over connections in this process).</summary>
    private static readonly ObservableGauge<int> RedisDegraded = Meter.CreateObservableGauge(
        "switchboard.storage.redis.degraded", () => Connections.Keys.Count(c => c.IsDegraded), unit: "{connection}", description: "Redis connections configured but unavailable.");

    internal static void Track(RedisConnection connection) => Connections.TryAdd(connection, 0);

    internal static void Untrack(RedisConnection connection) => Connections.TryRemove(connection, out _);
}
