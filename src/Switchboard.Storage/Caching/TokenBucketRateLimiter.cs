using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace Switchboard.Storage.Caching;

/// <summary>A token bucket: <see cref="Capacity"/> tokens at most, refilled at <see cref="TokensPerSecond"/>.</summary>
/// <param name="Capacity">Burst size.</param>
/// <param name="TokensPerSecond">Sustained rate.</param>
public readonly record struct TokenBucketPolicy(double Capacity, double TokensPerSecond);

/// <summary>The answer to one request for tokens.</summary>
/// <param name="Allowed">Whether the tokens were granted.</param>
/// <param name="RetryAfter">When refused, how long until enough tokens will be there.</param>
/// <param name="Remaining">Tokens left after this request.</param>
/// <param name="Shared">True when decided by Redis for all replicas; false when decided by this replica alone (Redis absent or down).</param>
public readonly record struct RateLimitDecision(bool Allowed, TimeSpan RetryAfter, double Remaining, bool Shared);

/// <summary>
/// Token buckets shared by every replica through one atomic Redis script, falling back to per-replica buckets while
/// Redis is not configured or unavailable (identity issue: "falling back to per-replica limits when Redis is down").
/// </summary>
public interface IDistributedRateLimiter
{
    /// <summary>Takes <paramref name="tokens"/> from the bucket named <paramref name="key"/>, or says how long to wait.</summary>
    ValueTask<RateLimitDecision> TryAcquireAsync(string key, TokenBucketPolicy policy, int tokens = 1, CancellationToken cancellationToken = default);
}

/// <summary><see cref="IDistributedRateLimiter"/> over Redis with a local fallback.</summary>
public sealed class TokenBucketRateLimiter(RedisConnection redis, TimeProvider? timeProvider = null) : IDistributedRateLimiter
{
    // Redis time (not the caller's clock) so replicas with skewed clocks agree; µs since the epoch fit a double exactly.
    // Returns {allowed, retry_after_us, remaining}; numbers as strings so Lua floats are not truncated.
    private const string Script = """
        local capacity = tonumber(ARGV[1])
        local rate = tonumber(ARGV[2])
        local cost = tonumber(ARGV[3])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
        local tokens = tonumber(state[1])
        local ts = tonumber(state[2])
        if tokens == nil or ts == nil then
          tokens = capacity
          ts = now
        end
        tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000000)
        local allowed = 0
        local retry = 0
        if tokens >= cost then
          tokens = tokens - cost
          allowed = 1
        else
          retry = math.ceil((cost - tokens) * 1000000 / rate)
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
        redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
        return {allowed, tostring(retry), tostring(tokens)}
        """;

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, LocalBucket> _local = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public async ValueTask<RateLimitDecision> TryAcquireAsync(string key, TokenBucketPolicy policy, int tokens = 1, CancellationToken cancellationToken = default)
    {
        if (policy.Capacity <= 0 || policy.TokensPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, "Capacity and TokensPerSecond must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        if (redis.Database is { } db)
        {
            try
            {
                var result = (RedisResult[])(await db.ScriptEvaluateAsync(
                    Script,
                    [redis.KeyPrefix + "rl:" + key],
                    [policy.Capacity, policy.TokensPerSecond, tokens]))!;
                return new RateLimitDecision(
                    (int)result[0] == 1,
                    TimeSpan.FromTicks((long)(double.Parse((string)result[1]!, CultureInfo.InvariantCulture) * 10)),
                    double.Parse((string)result[2]!, CultureInfo.InvariantCulture),
                    Shared: true);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                redis.ReportFallback("rate limit", ex);
            }
        }
        else if (redis.IsConfigured)
        {
            redis.ReportFallback("rate limit", null);
        }

        return Local(key, policy, tokens);
    }

    private RateLimitDecision Local(string key, TokenBucketPolicy policy, int tokens)
    {
        if (_local.Count > 100_000)
        {
            // Idle buckets are full buckets: dropping them changes no decision.
            _local.Clear();
        }

        var bucket = _local.GetOrAdd(key, _ => new LocalBucket(policy.Capacity, _time.GetTimestamp()));
        lock (bucket)
        {
            var now = _time.GetTimestamp();
            var elapsed = _time.GetElapsedTime(bucket.Timestamp, now).TotalSeconds;
            bucket.Tokens = Math.Min(policy.Capacity, bucket.Tokens + (elapsed * policy.TokensPerSecond));
            bucket.Timestamp = now;
            if (bucket.Tokens >= tokens)
            {
                bucket.Tokens -= tokens;
                return new RateLimitDecision(true, TimeSpan.Zero, bucket.Tokens, Shared: false);
            }

            return new RateLimitDecision(false, TimeSpan.FromSeconds((tokens - bucket.Tokens) / policy.TokensPerSecond), bucket.Tokens, Shared: false);
        }
    }

    private sealed class LocalBucket(double tokens, long timestamp)
    {
        public double Tokens { get; set; } = tokens;

        public long Timestamp { get; set; } = timestamp;
    }
}
