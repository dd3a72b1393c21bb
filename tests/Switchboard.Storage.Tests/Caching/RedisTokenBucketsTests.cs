using Microsoft.Extensions.Options;
using Switchboard.Storage.Caching;
using Switchboard.Testing;

namespace Switchboard.Storage.Tests.Caching;

/// <summary>Several buckets taken together: all or nothing, in Redis and in the local fallback alike.</summary>
public sealed class RedisTokenBucketsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // Refill so slow that no token comes back while a test runs.
    private static readonly TokenBucketPolicy Wide = new(Capacity: 5, TokensPerSecond: 0.001);
    private static readonly TokenBucketPolicy Narrow = new(Capacity: 2, TokensPerSecond: 0.001);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ARequestRefusedByOneBucket_SpendsNothingFromTheOthers(bool shared)
    {
        await using var redis = new RedisConnection(Options(shared));
        await redis.StartAsync(Ct);
        await Poll.UntilAsync(() => !shared || redis.IsAvailable, TimeSpan.FromSeconds(10), "Redis did not connect");
        var limiter = new RedisTokenBuckets(redis);
        TokenBucketRequest[] both = [new("wide", Wide), new("narrow", Narrow)];

        var decisions = new List<TokenBucketDecision>();
        for (int i = 0; i < 4; i++)
        {
            decisions.Add(await limiter.TryAcquireAsync(both, cancellationToken: Ct));
        }

        var wideAlone = new List<bool>();
        for (int i = 0; i < 4; i++)
        {
            wideAlone.Add((await limiter.TryAcquireAsync("wide", Wide, cancellationToken: Ct)).Allowed);
        }

        Assert.Equal([true, true, false, false], decisions.Select(d => d.Allowed));
        Assert.All(decisions, d => Assert.Equal(shared, d.Shared));
        Assert.Equal([-1, -1, 1, 1], decisions.Select(d => d.RefusedBy));
        Assert.InRange(decisions[2].RetryAfter, TimeSpan.FromSeconds(900), TimeSpan.FromSeconds(1001));
        // Two requests took from "wide"; the two refused by "narrow" did not, so three tokens are left.
        Assert.Equal([true, true, true, false], wideAlone);
    }

    // The local buckets are bounded. A caller can make a bucket per name it sends (every tools/call names a tool,
    // known or not), so reaching the bound must not refill the buckets others have spent: a drained bucket stays
    // drained, and one caller cannot lift everyone's limits, its own included, by sending many names.
    [Fact]
    public async Task LocalBuckets_PastTheirBound_KeepTheDrainedOnes()
    {
        await using var redis = new RedisConnection(Options(shared: false));
        await redis.StartAsync(Ct);
        var limiter = new RedisTokenBuckets(redis);
        // Refused flood calls (more tokens than any bucket holds) spend nothing, but each names a bucket of its own.
        var drained = await limiter.TryAcquireAsync([new("victim", Narrow), new("global", Wide)], tokens: 2, cancellationToken: Ct);
        Assert.True(drained.Allowed);

        var probe = new TokenBucketPolicy(Capacity: 1, TokensPerSecond: 0.001);
        for (int i = 0; i < 100_100; i++)
        {
            await limiter.TryAcquireAsync([new($"flood-{i}", Narrow), new("global", Wide)], tokens: 10, cancellationToken: Ct);
        }

        Assert.False((await limiter.TryAcquireAsync("victim", Narrow, cancellationToken: Ct)).Allowed);
        Assert.True((await limiter.TryAcquireAsync("global", Wide, tokens: 3, cancellationToken: Ct)).Allowed); // what the drain left
        Assert.False((await limiter.TryAcquireAsync("global", Wide, cancellationToken: Ct)).Allowed);
        Assert.True((await limiter.TryAcquireAsync("fresh", probe, cancellationToken: Ct)).Allowed);
    }

    [Fact]
    public async Task LocalBuckets_GivenOutOfKeyOrder_AnswerForTheRequestsAsGiven()
    {
        await using var redis = new RedisConnection(Options(shared: false));
        await redis.StartAsync(Ct);
        var limiter = new RedisTokenBuckets(redis);
        TokenBucketRequest[] three = [new("zeta", Wide), new("mid", Narrow), new("alpha", new TokenBucketPolicy(Capacity: 4, TokensPerSecond: 0.001))];

        var first = await limiter.TryAcquireAsync(three, cancellationToken: Ct);
        var second = await limiter.TryAcquireAsync(three, cancellationToken: Ct);
        var third = await limiter.TryAcquireAsync(three, cancellationToken: Ct);

        Assert.True(first.Allowed);
        Assert.Equal(1, first.Remaining, 0.01); // the fullest is left with 4, the emptiest ("mid") with 1
        Assert.True(second.Allowed);
        Assert.Equal(0, second.Remaining, 0.01);
        Assert.False(third.Allowed);
        Assert.Equal(1, third.RefusedBy); // "mid", by its place in the request, not in key order
    }

    private static IOptions<StorageOptions> Options(bool shared) => Microsoft.Extensions.Options.Options.Create(new StorageOptions
    {
        Redis = { ConnectionString = shared ? TestServices.Redis : null, KeyPrefix = $"t{Guid.NewGuid():N}:" },
    });
}
