using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Switchboard.Access.RateLimiting;
using Switchboard.Policy;
using Switchboard.Policy.RateLimiting;
using Switchboard.Storage;
using Switchboard.Storage.Caching;

namespace Switchboard.Access.Tests.RateLimiting;

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

    // The principal-tool bucket's subject joins the principal and the tool with a newline; a principal name or a
    // tool name may hold one (names come from operators and upstream servers), and two different pairs must never
    // share a bucket, so one caller cannot spend another's budget.
    [Theory]
    [InlineData("alice\nfinancial", "pmt", "alice", "financial\npmt")]
    [InlineData("alice\\", "n", "alice", "\\\nn")]
    [InlineData("a\\nb", "c", "a", "b\nc")]
    public async Task PerPrincipalTool_PairsThatJoinToTheSameText_KeepSeparateBuckets(string principal, string tool, string otherPrincipal, string otherTool)
    {
        var limiter = Limiter(new RateLimitOptions { Default = new RoleRateLimits { PerPrincipalTool = Bucket(1) } });

        var first = await limiter.AcquireAsync(principal, Agent, tool, Ct);
        var other = await limiter.AcquireAsync(otherPrincipal, Agent, otherTool, Ct);
        var firstAgain = await limiter.AcquireAsync(principal, Agent, tool, Ct);

        Assert.True(first.Allowed);
        Assert.True(other.Allowed, $"'{otherPrincipal}' calling '{otherTool}' was refused by the bucket of '{principal}' calling '{tool}'");
        Assert.False(firstAgain.Allowed); // the bucket does count
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

    [Fact]
    public async Task BucketKeys_NameTheLimitItsSettingsAndTheSubject()
    {
        var recording = new RecordingBuckets();
        var options = new RateLimitOptions
        {
            Global = new TokenBucket { Permits = 100, Burst = 10, Period = TimeSpan.FromSeconds(1) },
            Default = new RoleRateLimits { PerPrincipal = Bucket(7), PerPrincipalTool = Bucket(3) },
        };
        var limiter = new SharedToolCallRateLimiter(recording, new StaticOptionsMonitor(options));

        await limiter.AcquireAsync("alice", Agent, "financial/pmt", Ct);
        await limiter.AcquireAsync("alice", Agent, "financial/pmt", Ct);
        await limiter.AcquireAsync("bob", Agent, null, Ct);

        string hour = TimeSpan.FromHours(1).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        TokenBucketRequest[] alice =
        [
            new($"ratelimit:principal-tool:3/{hour}/3:alice\nfinancial/pmt", new TokenBucketPolicy(3, 3 / 3600.0)),
            new($"ratelimit:principal:7/{hour}/7:alice", new TokenBucketPolicy(7, 7 / 3600.0)),
            new("ratelimit:global:100/10000000/10:", new TokenBucketPolicy(10, 100)),
        ];
        Assert.Equal(alice, recording.Calls[0]);
        Assert.Equal(alice, recording.Calls[1]);
        Assert.Equal([alice[1] with { Key = $"ratelimit:principal:7/{hour}/7:bob" }, alice[2]], recording.Calls[2]);
    }

    [Fact]
    public async Task ChangedSettings_StartFreshBuckets()
    {
        var recording = new RecordingBuckets();
        var monitor = new MutableOptionsMonitor(new RateLimitOptions { Default = new RoleRateLimits { PerPrincipal = Bucket(2) } });
        var limiter = new SharedToolCallRateLimiter(recording, monitor);

        await limiter.AcquireAsync("alice", Agent, "financial/pmt", Ct);
        monitor.CurrentValue = new RateLimitOptions { Default = new RoleRateLimits { PerPrincipal = Bucket(5) } };
        await limiter.AcquireAsync("alice", Agent, "financial/pmt", Ct);

        Assert.StartsWith("ratelimit:principal:2/", recording.Calls[0].Single().Key, StringComparison.Ordinal);
        Assert.StartsWith("ratelimit:principal:5/", recording.Calls[1].Single().Key, StringComparison.Ordinal);
        Assert.Equal(5, recording.Calls[1].Single().Policy.Capacity);
    }

    [Theory]
    [InlineData(0, "principal-tool")]
    [InlineData(1, "global")]
    public async Task ARefusal_NamesTheBucketThatRefused_WhenALimitInBetweenIsUnset(int refusedBy, string limit)
    {
        // Only principal-tool and global apply: the refused bucket's index counts only the buckets taken.
        var recording = new RecordingBuckets { Refuse = refusedBy, Asynchronous = refusedBy == 1 };
        var options = new RateLimitOptions { Global = Bucket(9), Default = new RoleRateLimits { PerPrincipalTool = Bucket(3) } };
        var limiter = new SharedToolCallRateLimiter(recording, new StaticOptionsMonitor(options));

        var decision = await limiter.AcquireAsync("alice", Agent, "financial/pmt", Ct);

        Assert.False(decision.Allowed);
        Assert.Equal(limit, decision.Limit);
        Assert.Equal(TimeSpan.FromSeconds(4), decision.RetryAfter);
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A long period, so no token comes back while a test runs.
    private static TokenBucket Bucket(int burst) => new() { Permits = burst, Burst = burst, Period = TimeSpan.FromHours(1) };

    private SharedToolCallRateLimiter Limiter(RateLimitOptions options) =>
        new(_storage.GetRequiredService<IDistributedRateLimiter>(), new StaticOptionsMonitor(options));

    private static async Task<ToolCallLimitDecision[]> Calls(IToolCallRateLimiter limiter, string principal, string tool, int count, RoleSet? roles = null)
    {
        var decisions = new ToolCallLimitDecision[count];
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

    private sealed class MutableOptionsMonitor(RateLimitOptions value) : IOptionsMonitor<RateLimitOptions>
    {
        public RateLimitOptions CurrentValue { get; set; } = value;

        public RateLimitOptions Get(string? name) => CurrentValue;

        public IDisposable? OnChange(Action<RateLimitOptions, string?> listener) => null;
    }

    // Records what the limiter asks for; refuses with the bucket at Refuse, if set, and answers later when Asynchronous.
    private sealed class RecordingBuckets : IDistributedRateLimiter
    {
        public List<TokenBucketRequest[]> Calls { get; } = [];

        public int Refuse { get; init; } = -1;

        public bool Asynchronous { get; init; }

        public ValueTask<TokenBucketDecision> TryAcquireAsync(IReadOnlyList<TokenBucketRequest> buckets, int tokens = 1, CancellationToken cancellationToken = default)
        {
            Calls.Add([.. buckets]);
            var decision = Refuse < 0
                ? new TokenBucketDecision(true, TimeSpan.Zero, 1, Shared: false)
                : new TokenBucketDecision(false, TimeSpan.FromSeconds(4), 0, Shared: true, RefusedBy: Refuse);
            return Asynchronous ? new ValueTask<TokenBucketDecision>(LaterAsync(decision)) : ValueTask.FromResult(decision);
        }

        private static async Task<TokenBucketDecision> LaterAsync(TokenBucketDecision decision)
        {
            await Task.Yield();
            return decision;
        }
    }
}
