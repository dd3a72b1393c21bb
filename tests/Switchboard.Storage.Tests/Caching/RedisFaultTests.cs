using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Diagnostics;
using Switchboard.Storage.Health;
using Switchboard.Testing;

namespace Switchboard.Storage.Tests.Caching;

public sealed class RedisFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cache_RedisStoppedWhileLookupsFlow_NoFailures_Degraded_ThenCacheAndInvalidationResume()
    {
        await using var redis = await RedisProcess.StartAsync();
        var options = Options(redis);
        await using var connectionA = new RedisConnection(options);
        await using var connectionB = new RedisConnection(options);
        using var replicaA = new TwoLevelCache(connectionA, options);
        using var replicaB = new TwoLevelCache(connectionB, options);
        await connectionA.StartAsync(Ct);
        await connectionB.StartAsync(Ct);
        var source = new ConcurrentDictionary<string, string>();
        for (var i = 0; i < 10; i++)
        {
            source[$"k{i}"] = "v1";
        }

        long outages = 0;
        using var listener = ListenForOutages(m => Interlocked.Add(ref outages, m));
        await WaitForSubscribersAsync(connectionA, 2);

        // Before the outage: B sees A's invalidation.
        Assert.Equal("v1", (await Lookup(replicaB, source, "k0"))!.Text);
        source["k0"] = "v2";
        await replicaA.InvalidateAsync("k0", Ct);
        await Poll.UntilAsync(async () => (await Lookup(replicaB, source, "k0"))!.Text == "v2", TimeSpan.FromSeconds(10), "replica B did not see A's invalidation");

        using var stop = new CancellationTokenSource();
        long lookups = 0, failures = 0;
        var traffic = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                foreach (var cache in new[] { replicaA, replicaB })
                {
                    try
                    {
                        _ = await Lookup(cache, source, $"k{Interlocked.Increment(ref lookups) % 10}");
                    }
                    catch (Exception)
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            }
        }, Ct);

        await redis.StopAsync();
        var health = new RedisHealthCheck(connectionA);
        // The multiplexer reports the disconnection before its failure callback records when the outage began and
        // counts it, so health may say Degraded a moment before it can say since when.
        await Poll.UntilAsync(async () => (await health.CheckHealthAsync(new HealthCheckContext(), Ct)) is { Status: HealthStatus.Degraded } r && r.Data.ContainsKey("degradedSince"), TimeSpan.FromSeconds(20), "health did not report Degraded with the outage start");
        var degraded = await health.CheckHealthAsync(new HealthCheckContext(), Ct);
        Assert.Contains("serving from local memory", degraded.Description, StringComparison.Ordinal);
        await Poll.UntilAsync(() => Interlocked.Read(ref outages) >= 1, TimeSpan.FromSeconds(10), "the outage was not counted");
        var during = Interlocked.Read(ref lookups);
        await Poll.UntilAsync(() => Interlocked.Read(ref lookups) > during + 500, TimeSpan.FromSeconds(20), "lookups did not keep flowing during the outage");

        // Invalidated during the outage: replayed when Redis returns.
        source["k1"] = "v2";
        await replicaA.InvalidateAsync("k1", Ct);

        await redis.StartAgainAsync();
        await Poll.UntilAsync(() => connectionA.IsAvailable && connectionB.IsAvailable, TimeSpan.FromSeconds(30), "Redis connections did not come back");
        Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync(new HealthCheckContext(), Ct)).Status);
        await WaitForSubscribersAsync(connectionA, 2);
        await Poll.UntilAsync(async () => (await Lookup(replicaB, source, "k1"))!.Text == "v2", TimeSpan.FromSeconds(10), "replica B kept a value invalidated during the outage");

        source["k0"] = "v3";
        await replicaA.InvalidateAsync("k0", Ct);
        await Poll.UntilAsync(async () => (await Lookup(replicaB, source, "k0"))!.Text == "v3", TimeSpan.FromSeconds(10), "invalidation did not resume after Redis returned");

        await stop.CancelAsync();
        await traffic;
        Assert.Equal(0, Interlocked.Read(ref failures));
    }

    [Fact]
    public async Task RateLimiter_SharedAcrossReplicas_FallsBackToLocalWhenRedisStops()
    {
        await using var redis = await RedisProcess.StartAsync();
        var options = Options(redis);
        await using var connectionA = new RedisConnection(options);
        await using var connectionB = new RedisConnection(options);
        await connectionA.StartAsync(Ct);
        await connectionB.StartAsync(Ct);
        await Poll.UntilAsync(() => connectionA.IsAvailable && connectionB.IsAvailable, TimeSpan.FromSeconds(10), "Redis did not connect");
        var replicaA = new RedisTokenBuckets(connectionA);
        var replicaB = new RedisTokenBuckets(connectionB);
        var policy = new TokenBucketPolicy(Capacity: 5, TokensPerSecond: 0.01);

        var decisions = new List<TokenBucketDecision>();
        for (var i = 0; i < 6; i++)
        {
            decisions.Add(await (i % 2 == 0 ? replicaA : replicaB).TryAcquireAsync("principal:p1", policy, cancellationToken: Ct));
        }

        Assert.All(decisions, d => Assert.True(d.Shared));
        Assert.Equal(5, decisions.Count(d => d.Allowed));
        Assert.False(decisions[^1].Allowed);
        Assert.InRange(decisions[^1].RetryAfter, TimeSpan.FromSeconds(50), TimeSpan.FromSeconds(101));

        await redis.StopAsync();
        await Poll.UntilAsync(() => !connectionA.IsAvailable, TimeSpan.FromSeconds(20), "the connection did not notice Redis stopping");
        var local = await replicaA.TryAcquireAsync("principal:p1", policy, cancellationToken: Ct);

        Assert.True(local.Allowed);
        Assert.False(local.Shared);
    }

    [Fact]
    public async Task RedisHealth_NotConfigured_IsHealthy()
    {
        await using var connection = new RedisConnection(Microsoft.Extensions.Options.Options.Create(new StorageOptions()));
        await connection.StartAsync(Ct);

        var result = await new RedisHealthCheck(connection).CheckHealthAsync(new HealthCheckContext(), Ct);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Contains("not configured", result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisHealth_ConfiguredButNeverReachable_IsDegradedNotFailing()
    {
        var options = Microsoft.Extensions.Options.Options.Create(new StorageOptions { Redis = { ConnectionString = "127.0.0.1:1" } });
        await using var connection = new RedisConnection(options);
        using var cache = new TwoLevelCache(connection, options);
        await connection.StartAsync(Ct);

        var value = await cache.GetOrCreateAsync("k", _ => ValueTask.FromResult<Item?>(new Item("db")), Ct);
        var result = await new RedisHealthCheck(connection).CheckHealthAsync(new HealthCheckContext(), Ct);

        Assert.Equal("db", value!.Text);
        Assert.Equal(HealthStatus.Degraded, result.Status);
    }

    private static IOptions<StorageOptions> Options(RedisProcess redis) => Microsoft.Extensions.Options.Options.Create(new StorageOptions
    {
        Redis = { ConnectionString = redis.ConnectionString, KeyPrefix = $"t{Guid.NewGuid():N}:", LocalCacheDuration = TimeSpan.FromMinutes(10) },
    });

    private static ValueTask<Item?> Lookup(TwoLevelCache cache, ConcurrentDictionary<string, string> source, string key) =>
        cache.GetOrCreateAsync(key, _ => ValueTask.FromResult<Item?>(new Item(source[key])), Ct);

    private static async Task WaitForSubscribersAsync(RedisConnection connection, long count) =>
        await Poll.UntilAsync(async () =>
        {
            try
            {
                return await connection.PublishAsync("cache:invalidate", "probe") >= count;
            }
            catch (StackExchange.Redis.RedisException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), $"{count} replicas did not subscribe to invalidations");

    private static MeterListener ListenForOutages(Action<long> onMeasurement)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == StorageDiagnostics.MeterName && instrument.Name == "switchboard.storage.redis.outages")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, measurement, _, _) => onMeasurement(measurement));
        listener.Start();
        return listener;
    }

    public sealed record Item(string Text);
}
