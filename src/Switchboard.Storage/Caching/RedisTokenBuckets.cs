using System.Collections.Concurrent;
using System.Globalization;
using StackExchange.Redis;

namespace Switchboard.Storage.Caching;

/// <summary>A token bucket: <see cref="Capacity"/> tokens at most, refilled at <see cref="TokensPerSecond"/>.</summary>
/// <param name="Capacity">Burst size.</param>
/// <param name="TokensPerSecond">Sustained rate.</param>
public readonly record struct TokenBucketPolicy(double Capacity, double TokensPerSecond);

/// <summary>One bucket of a request: its name and its settings.</summary>
/// <param name="Key">The bucket's name, e.g. <c>principal:alice</c>.</param>
/// <param name="Policy">Its capacity and refill rate.</param>
public readonly record struct TokenBucketRequest(string Key, TokenBucketPolicy Policy);

/// <summary>The answer to one request for tokens.</summary>
/// <param name="Allowed">Whether the tokens were granted.</param>
/// <param name="RetryAfter">When refused, how long until enough tokens will be there.</param>
/// <param name="Remaining">Tokens left after this request (in the refusing bucket when refused, else the fullest-drained one).</param>
/// <param name="Shared">True when decided by Redis for all replicas; false when decided by this replica alone (Redis absent or down).</param>
/// <param name="RefusedBy">When refused, the index of the first bucket that lacked tokens; -1 when allowed.</param>
public readonly record struct TokenBucketDecision(bool Allowed, TimeSpan RetryAfter, double Remaining, bool Shared, int RefusedBy = -1);

/// <summary>
/// Token buckets shared by every replica through one atomic Redis script, falling back to per-replica buckets while
/// Redis is not configured or unavailable (identity issue: "falling back to per-replica limits when Redis is down").
/// </summary>
public interface IDistributedRateLimiter
{
    /// <summary>
    /// Takes <paramref name="tokens"/> from every bucket in <paramref name="buckets"/>, or from none of them: a request
    /// one bucket refuses spends nothing from the others. One round trip to Redis whatever the number of buckets.
    /// </summary>
    ValueTask<TokenBucketDecision> TryAcquireAsync(IReadOnlyList<TokenBucketRequest> buckets, int tokens = 1, CancellationToken cancellationToken = default);
}

/// <summary>Shorthands for <see cref="IDistributedRateLimiter"/>.</summary>
public static class DistributedRateLimiterExtensions
{
    /// <summary>Takes <paramref name="tokens"/> from the bucket named <paramref name="key"/>, or says how long to wait.</summary>
    public static ValueTask<TokenBucketDecision> TryAcquireAsync(this IDistributedRateLimiter limiter, string key, TokenBucketPolicy policy, int tokens = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(limiter);
        return limiter.TryAcquireAsync([new TokenBucketRequest(key, policy)], tokens, cancellationToken);
    }
}

/// <summary><see cref="IDistributedRateLimiter"/> over Redis with a local fallback.</summary>
/// <remarks>
/// The script touches several keys, so on a Redis Cluster a request's buckets would have to share a hash slot;
/// Switchboard uses a single Redis (or a Sentinel-managed primary), where any keys may go together.
/// </remarks>
public sealed class RedisTokenBuckets(RedisConnection redis, TimeProvider? timeProvider = null) : IDistributedRateLimiter
{
    // Redis time (not the caller's clock) so replicas with skewed clocks agree; µs since the epoch fit a double exactly.
    // ARGV: cost, then capacity and rate per key. Refills every bucket, and takes the cost from all of them only if
    // each has it. Returns {refused_index (0 = allowed), retry_after_us, remaining}; numbers as strings so Lua floats
    // are not truncated.
    private const string Script = """
        local cost = tonumber(ARGV[1])
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local levels = {}
        local refused = 0
        local retry = 0
        for i = 1, #KEYS do
          local capacity = tonumber(ARGV[i * 2])
          local rate = tonumber(ARGV[i * 2 + 1])
          local state = redis.call('HMGET', KEYS[i], 'tokens', 'ts')
          local tokens = tonumber(state[1])
          local ts = tonumber(state[2])
          if tokens == nil or ts == nil then
            tokens = capacity
            ts = now
          end
          tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000000)
          levels[i] = tokens
          if refused == 0 and tokens < cost then
            refused = i
            retry = math.ceil((cost - tokens) * 1000000 / rate)
          end
        end
        local remaining = -1
        for i = 1, #KEYS do
          local capacity = tonumber(ARGV[i * 2])
          local rate = tonumber(ARGV[i * 2 + 1])
          local tokens = levels[i]
          if refused == 0 then
            tokens = tokens - cost
            if remaining < 0 or tokens < remaining then
              remaining = tokens
            end
          end
          redis.call('HSET', KEYS[i], 'tokens', tostring(tokens), 'ts', tostring(now))
          redis.call('PEXPIRE', KEYS[i], math.ceil(capacity / rate * 1000) + 1000)
        end
        if refused > 0 then
          remaining = levels[refused]
        end
        return {refused, tostring(retry), tostring(remaining)}
        """;

    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;
    private const int MaxLocalBuckets = 100_000;

    private readonly ConcurrentDictionary<string, LocalBucket> _local = new(StringComparer.Ordinal);
    private long _nextSweep = long.MinValue;

    /// <inheritdoc />
    public async ValueTask<TokenBucketDecision> TryAcquireAsync(IReadOnlyList<TokenBucketRequest> buckets, int tokens = 1, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(buckets);
        ArgumentOutOfRangeException.ThrowIfZero(buckets.Count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokens);
        for (int i = 0; i < buckets.Count; i++)
        {
            var bucket = buckets[i];
            if (bucket.Policy.Capacity <= 0 || bucket.Policy.TokensPerSecond <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(buckets), bucket.Policy, $"Bucket '{bucket.Key}': Capacity and TokensPerSecond must be positive.");
            }
        }

        if (redis.Database is { } db)
        {
            try
            {
                var arguments = new RedisValue[1 + (buckets.Count * 2)];
                arguments[0] = tokens;
                for (int i = 0; i < buckets.Count; i++)
                {
                    arguments[1 + (i * 2)] = buckets[i].Policy.Capacity;
                    arguments[2 + (i * 2)] = buckets[i].Policy.TokensPerSecond;
                }

                var result = (RedisResult[])(await db.ScriptEvaluateAsync(
                    Script,
                    [.. buckets.Select(b => (RedisKey)(redis.KeyPrefix + "rl:" + b.Key))],
                    arguments))!;
                int refused = (int)result[0];
                return new TokenBucketDecision(
                    refused == 0,
                    TimeSpan.FromTicks((long)(double.Parse((string)result[1]!, CultureInfo.InvariantCulture) * 10)),
                    double.Parse((string)result[2]!, CultureInfo.InvariantCulture),
                    Shared: true,
                    RefusedBy: refused - 1);
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

        return Local(buckets, tokens);
    }

    private TokenBucketDecision Local(IReadOnlyList<TokenBucketRequest> requests, int tokens)
    {
        if (_local.Count > MaxLocalBuckets)
        {
            DropFullBuckets();
        }

        // Once per tool call, so no LINQ: one array of the buckets, and their order on the stack.
        int count = requests.Count;
        var buckets = new LocalBucket[count];
        for (int i = 0; i < count; i++)
        {
            var request = requests[i];
            buckets[i] = _local.GetOrAdd(request.Key, static (_, state) => new LocalBucket(state.Policy, state.Time.GetTimestamp()), (request.Policy, Time: _time));
        }

        // Locked in one global order (by key), so two requests sharing buckets cannot deadlock.
        Span<int> order = count <= 16 ? stackalloc int[count] : new int[count];
        for (int i = 0; i < count; i++)
        {
            // Insertion sort: a call takes at most three buckets.
            int at = i;
            while (at > 0 && string.CompareOrdinal(requests[order[at - 1]].Key, requests[i].Key) > 0)
            {
                order[at] = order[at - 1];
                at--;
            }

            order[at] = i;
        }

        foreach (int i in order)
        {
            Monitor.Enter(buckets[i]);
        }

        try
        {
            // Read under the locks, so no bucket has been stamped later than this.
            var now = _time.GetTimestamp();
            int refused = -1;
            for (int i = 0; i < buckets.Length; i++)
            {
                var (bucket, policy) = (buckets[i], requests[i].Policy);
                bucket.Tokens = bucket.TokensAt(now, policy, _time);
                bucket.Timestamp = now;
                if (refused < 0 && bucket.Tokens < tokens)
                {
                    refused = i;
                }
            }

            if (refused >= 0)
            {
                var empty = buckets[refused];
                return new TokenBucketDecision(false, TimeSpan.FromSeconds((tokens - empty.Tokens) / requests[refused].Policy.TokensPerSecond), empty.Tokens, Shared: false, RefusedBy: refused);
            }

            double remaining = double.MaxValue;
            foreach (var bucket in buckets)
            {
                bucket.Tokens -= tokens;
                remaining = Math.Min(remaining, bucket.Tokens);
            }

            return new TokenBucketDecision(true, TimeSpan.Zero, remaining, Shared: false);
        }
        finally
        {
            foreach (int i in order)
            {
                Monitor.Exit(buckets[i]);
            }
        }
    }

    // Past the bound, only buckets that have refilled are dropped: a full bucket is what a new one would be, so dropping
    // it changes no decision, while dropping a spent one would hand its tokens back (every tools/call names a bucket,
    // known tool or not, so one caller could otherwise reset everyone's limits, its own included). Should the spent
    // ones alone pass twice the bound, they all go: memory stays bounded. One sweep at a time and at most one a second:
    // while the spent buckets alone pass the bound, every call would otherwise walk all of them.
    private void DropFullBuckets()
    {
        long now = _time.GetTimestamp();
        long due = Volatile.Read(ref _nextSweep);
        if (now < due || Interlocked.CompareExchange(ref _nextSweep, long.MaxValue, due) != due)
        {
            return;
        }

        try
        {
            foreach (var (key, bucket) in _local)
            {
                lock (bucket)
                {
                    if (bucket.TokensAt(now, bucket.Policy, _time) >= bucket.Policy.Capacity)
                    {
                        _local.TryRemove(new KeyValuePair<string, LocalBucket>(key, bucket));
                    }
                }
            }

            if (_local.Count > 2 * MaxLocalBuckets)
            {
                _local.Clear();
            }
        }
        finally
        {
            Volatile.Write(ref _nextSweep, now + _time.TimestampFrequency);
        }
    }

    private sealed class LocalBucket(TokenBucketPolicy policy, long timestamp)
    {
        public TokenBucketPolicy Policy { get; } = policy;

        public double Tokens { get; set; } = policy.Capacity;

        public long Timestamp { get; set; } = timestamp;

        /// <summary>The tokens at <paramref name="now"/>, refilled under <paramref name="policy"/> since <see cref="Timestamp"/>.</summary>
        public double TokensAt(long now, TokenBucketPolicy policy, TimeProvider time) =>
            Math.Min(policy.Capacity, Tokens + (time.GetElapsedTime(Timestamp, now).TotalSeconds * policy.TokensPerSecond));
    }
}
