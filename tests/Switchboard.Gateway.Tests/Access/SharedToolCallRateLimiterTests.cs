using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Switchboard.Access.RateLimiting;
using Switchboard.Policy;
using Switchboard.Policy.RateLimiting;
using Switchboard.Storage;
using Switchboard.Storage.Caching;
using RateLimitDecision = Switchboard.Policy.RateLimiting.RateLimitDecision;

namespace Switchboard.Gateway.Tests.Access;

/// <summary>The limits' semantics, on the per-replica buckets the shared limiter keeps when no Redis is configured.</summary>
public sealed class SharedToolCallRateLimiterTests : IAsyncDisposable
{
    private readonly ServiceProvider _storage = new ServiceCollection()
        .AddSwitchboardStorage(new ConfigurationBuilder().Build())
        .BuildServiceProvider();

    public ValueTask DisposeAsync() => _storage.DisposeAsync();

    private static readonly RoleSet Agent = new([BuiltInRoles.Agent]);

    [Fact]
    public async Task PerPrincipalTool_RefusesTheCallPastTheBurst_OtherToolsStillPass()
    {
        var limiter = Limiter(new RateLimitOptions { Default = new RoleRateLimits { PerPrincipalTool = Bucket(3) } });

        var decisions = await Calls(limiter, "alice", "financial/pmt", 4);
        var otherTool = await limiter.AcquireAsync("alice", Agent, "financial/npv", Ct);

        Assert.Equal([true, true, true, false], decisions.Select(d => d.Allowed));
        Assert.Equal("principal-tool", decisions[^1].Limit);
        Assert.True(decisions[^1].RetryAfter > TimeSpan.Zero);
        Assert.True(otherTool.Allowed);
    }

    [Fact]
    public async Task PerPrincipal_CountsEveryToolTogether_AndEachPrincipalApart()
    {
        var limiter = Limiter(new RateLimitOptions { Default = new RoleRateLimits { PerPrincipal = Bucket(2) } });

        var alice = new[]
        {
            await limiter.AcquireAsync("alice", Agent, "financial/pmt", Ct),
            await limiter.AcquireAsync("alice", Agent, "utilities/hash", Ct),
            await limiter.AcquireAsync("alice", Agent, "utilities/uuid_v4", Ct),
        };
        var bob = await limiter.AcquireAsync("bob", Agent, "financial/pmt", Ct);

        Assert.Equal([true, true, false], alice.Select(d => d.Allowed));
        Assert.Equal("principal", alice[^1].Limit);
        Assert.True(bob.Allowed);
    }

    [Fact]
    public async Task Global_CountsEveryone()
    {
        var limiter = Limiter(new RateLimitOptions { Global = Bucket(2), Default = new RoleRateLimits() });

        await limiter.AcquireAsync("alice", Agent, "financial/pmt", Ct);
        await limiter.AcquireAsync("bob", Agent, "financial/pmt", Ct);
        var third = await limiter.AcquireAsync("carol", Agent, "financial/pmt", Ct);

        Assert.False(third.Allowed);
        Assert.Equal("global", third.Limit);
    }

    [Fact]
    public async Task RoleLimits_ReplaceTheDefault_AndTheMostGenerousRoleWins()
    {
        var options = new RateLimitOptions { Default = new RoleRateLimits { PerPrincipal = Bucket(1) } };
        options.Roles["batch"] = new RoleRateLimits { PerPrincipal = Bucket(3) };
        options.Roles["slow"] = new RoleRateLimits { PerPrincipal = Bucket(2) };
        var limiter = Limiter(options);

        var batch = await Calls(limiter, "robot", "financial/pmt", 4, new RoleSet(["slow", "batch"]));
        var plain = await Calls(limiter, "human", "financial/pmt", 2, Agent);

        Assert.Equal([true, true, true, false], batch.Select(d => d.Allowed));
        Assert.Equal([true, false], plain.Select(d => d.Allowed));
    }

    [Fact]
    public async Task RoleWithoutALimit_IsUnlimitedThere()
    {
        var options = new RateLimitOptions { Default = new RoleRateLimits { PerPrincipal = Bucket(1) } };
        options.Roles[BuiltInRoles.Admin] = new RoleRateLimits();
        var limiter = Limiter(options);

        var decisions = await Calls(limiter, "root", "financial/pmt", 50, new RoleSet([BuiltInRoles.Admin]));

        Assert.All(decisions, d => Assert.True(d.Allowed));
    }

    [Fact]
    public void Validator_BucketThatNeverAdmits_IsRefusedWithItsPath()
    {
        var options = new RateLimitOptions();
        options.Roles["agent"] = new RoleRateLimits { PerPrincipal = new TokenBucket { Permits = 0, Burst = 0 } };

        var result = new RateLimitOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("RateLimits:Roles:agent:PerPrincipal", result.FailureMessage, StringComparison.Ordinal);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A long period, so no token comes back while a test runs.
    private static TokenBucket Bucket(int burst) => new() { Permits = burst, Burst = burst, Period = TimeSpan.FromHours(1) };

    private SharedToolCallRateLimiter Limiter(RateLimitOptions options) =>
        new(_storage.GetRequiredService<IDistributedRateLimiter>(), new StaticOptionsMonitor(options));

    private static async Task<RateLimitDecision[]> Calls(IToolCallRateLimiter limiter, string principal, string tool, int count, RoleSet? roles = null)
    {
        var decisions = new RateLimitDecision[count];
        for (int i = 0; i < count; i++)
        {
            decisions[i] = await limiter.AcquireAsync(principal, roles ?? Agent, tool, Ct);
        }

        return decisions;
    }

    private sealed class StaticOptionsMonitor(RateLimitOptions value) : IOptionsMonitor<RateLimitOptions>
    {
        public RateLimitOptions CurrentValue => value;

        public RateLimitOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<RateLimitOptions, string?> listener) => null;
    }
}
