using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using StackExchange.Redis;
using Switchboard.Storage.Diagnostics;

namespace Switchboard.Storage.Caching;

/// <summary>
/// <see cref="IHotCache"/> over <see cref="MemoryCache"/> and, when configured, Redis. Redis failures never reach
/// callers: reads fall through to the factory, invalidations that could not be published are remembered and replayed
/// when Redis returns, and the local level is cleared then, since other replicas' invalidations may have been missed.
/// </summary>
public sealed class TwoLevelCache : IHotCache, IDisposable
{
    private const string InvalidationChannel = "cache:invalidate";
    private static readonly KeyValuePair<string, object?> LocalHit = new("level", "local");
    private static readonly KeyValuePair<string, object?> SharedHit = new("level", "shared");
    private static readonly KeyValuePair<string, object?> Miss = new("level", "miss");

    private readonly MemoryCache _local = new(new MemoryCacheOptions { SizeLimit = 100_000 });
    private readonly RedisConnection _redis;
    private readonly RedisOptions _options;
    private readonly ConcurrentDictionary<string, byte> _pendingInvalidations = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Creates the cache and subscribes to invalidations (effective once Redis connects).</summary>
    public TwoLevelCache(RedisConnection redis, IOptions<StorageOptions> options)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(options);
        _redis = redis;
        _options = options.Value.Redis;
        _redis.Restored += OnRedisRestored;
        if (_redis.IsConfigured)
        {
            // Completes at once: the subscription is made now or when the connection starts.
            _ = _redis.SubscribeAsync(InvalidationChannel, (_, key) => DropLocal(key.ToString()));
        }
    }

    /// <summary>Entries currently held in memory.</summary>
    public long LocalCount => _local.Count;

    /// <inheritdoc />
    public async ValueTask<T?> GetOrCreateAsync<T>(string key, Func<CancellationToken, ValueTask<T?>> factory, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (_local.TryGetValue(key, out var boxed) && boxed is Entry<T> hit)
        {
            StorageDiagnostics.CacheLookups.Add(1, LocalHit);
            return hit.Value;
        }

        var generation = Interlocked.Read(ref _generation);
        var db = _redis.Database;
        if (db is not null)
        {
            try
            {
                var shared = await db.StringGetAsync(SharedKey(key));
                if (shared.HasValue)
                {
                    var entry = JsonSerializer.Deserialize<Entry<T>>((string)shared!)!;
                    SetLocal(key, entry, generation);
                    StorageDiagnostics.CacheLookups.Add(1, SharedHit);
                    return entry.Value;
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or JsonException)
            {
                _redis.ReportFallback("cache read", ex);
            }
        }
        else if (_redis.IsConfigured)
        {
            _redis.ReportFallback("cache read", null);
        }

        StorageDiagnostics.CacheLookups.Add(1, Miss);
        var created = new Entry<T>(await factory(cancellationToken));
        if (SetLocal(key, created, generation) && db is not null && _redis.IsAvailable)
        {
            try
            {
                // Awaited, not fire-and-forget: a write still in flight could land after another replica's
                // invalidation and leave the old value in Redis for SharedCacheDuration.
                await db.StringSetAsync(SharedKey(key), JsonSerializer.Serialize(created), _options.SharedCacheDuration);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _redis.ReportFallback("cache write", ex);
            }
        }

        return created.Value;
    }

    /// <inheritdoc />
    public async ValueTask InvalidateAsync(string key, CancellationToken cancellationToken = default)
    {
        DropLocal(key);
        if (!_redis.IsConfigured)
        {
            return;
        }

        if (!await TryInvalidateSharedAsync(key))
        {
            _pendingInvalidations.TryAdd(key, 0);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _redis.Restored -= OnRedisRestored;
        _local.Dispose();
    }

    private async Task<bool> TryInvalidateSharedAsync(string key)
    {
        if (_redis.Database is not { } db)
        {
            _redis.ReportFallback("cache invalidate", null);
            return false;
        }

        try
        {
            await db.KeyDeleteAsync(SharedKey(key));
            await _redis.PublishAsync(InvalidationChannel, key);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            _redis.ReportFallback("cache invalidate", ex);
            return false;
        }
    }

    private void DropLocal(string key)
    {
        // Any invalidation bumps the generation, so a value read before it is not cached after it (see SetLocal).
        Interlocked.Increment(ref _generation);
        _local.Remove(key);
    }

    private bool SetLocal<T>(string key, Entry<T> entry, long generation)
    {
        if (Interlocked.Read(ref _generation) != generation)
        {
            return false;
        }

        _local.Set(key, entry, new MemoryCacheEntryOptions { Size = 1, AbsoluteExpirationRelativeToNow = _options.LocalCacheDuration });
        return true;
    }

    private void OnRedisRestored()
    {
        // Invalidations published by other replicas during the outage never arrived: start the local level afresh.
        Interlocked.Increment(ref _generation);
        _local.Clear();
        _ = Task.Run(async () =>
        {
            foreach (var key in _pendingInvalidations.Keys)
            {
                if (await TryInvalidateSharedAsync(key))
                {
                    _pendingInvalidations.TryRemove(key, out _);
                }
            }
        });
    }

    private string SharedKey(string key) => _redis.KeyPrefix + "cache:" + key;

    /// <summary>A cached value, null included (a cached "not found").</summary>
    internal sealed record Entry<T>(T? Value);
}
