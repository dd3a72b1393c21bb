using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Switchboard.Policy.RateLimiting;

/// <summary>
/// Tool-call limits counted in this process: exact for one replica, and the fallback of the distributed limiter
/// when Redis is away (each replica then enforces the limits on its own share of traffic).
/// </summary>
/// <remarks>
/// Buckets are taken narrowest first (principal and tool, then principal, then global), so a call refused by a wide
/// limit has already spent a token of the narrower ones; with token buckets that only shortens the caller's next
/// burst, and keeps each check a single lock-free acquire.
/// </remarks>
public sealed class LocalToolCallRateLimiter : IToolCallRateLimiter, IDisposable
{
    private readonly IOptionsMonitor<RateLimitOptions> _options;
    private readonly PartitionedRateLimiter<BucketKey> _buckets;

    /// <summary>Creates the limiter; limits are read from <paramref name="options"/> as they change.</summary>
    public LocalToolCallRateLimiter(IOptionsMonitor<RateLimitOptions> options)
    {
        _options = options;
        // The bucket's settings are part of its key, so a configuration change starts fresh buckets instead of
        // silently keeping the old limits; idle buckets are reclaimed by the partitioned limiter.
        _buckets = PartitionedRateLimiter.Create<BucketKey, BucketKey>(key => RateLimitPartition.GetTokenBucketLimiter(key, static k => new TokenBucketRateLimiterOptions
        {
            TokenLimit = k.Bucket.Burst,
            TokensPerPeriod = k.Bucket.Permits,
            ReplenishmentPeriod = k.Bucket.Period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <inheritdoc />
    public ValueTask<RateLimitDecision> AcquireAsync(string principalId, RoleSet roles, string tool, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var options = _options.CurrentValue;
        var limits = LimitsFor(options, roles);

        var decision = Take("principal-tool", $"{principalId}\n{tool}", limits.PerPrincipalTool);
        if (decision.Allowed)
        {
            decision = Take("principal", principalId, limits.PerPrincipal);
        }

        if (decision.Allowed)
        {
            decision = Take("global", string.Empty, options.Global);
        }

        return ValueTask.FromResult(decision);
    }

    /// <summary>The limits that apply to a caller with <paramref name="roles"/>.</summary>
    public static RoleRateLimits LimitsFor(RateLimitOptions options, RoleSet roles)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(roles);
        var configured = roles.Roles.Select(r => options.Roles.GetValueOrDefault(r)).OfType<RoleRateLimits>().ToList();
        if (configured.Count == 0)
        {
            return options.Default;
        }

        // The most generous role wins; a role with no bucket for a scope means no limit there.
        return new RoleRateLimits
        {
            PerPrincipal = configured.Any(c => c.PerPrincipal is null) ? null : configured.MaxBy(c => c.PerPrincipal!.PerSecond)!.PerPrincipal,
            PerPrincipalTool = configured.Any(c => c.PerPrincipalTool is null) ? null : configured.MaxBy(c => c.PerPrincipalTool!.PerSecond)!.PerPrincipalTool,
        };
    }

    /// <inheritdoc />
    public void Dispose() => _buckets.Dispose();

    private RateLimitDecision Take(string limit, string subject, TokenBucket? bucket)
    {
        if (bucket is null)
        {
            return RateLimitDecision.Allow;
        }

        using var lease = _buckets.AttemptAcquire(new BucketKey(limit, subject, bucket));
        if (lease.IsAcquired)
        {
            return RateLimitDecision.Allow;
        }

        return new RateLimitDecision(false, limit, lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : bucket.Period / bucket.Permits);
    }

    private readonly record struct BucketKey(string Limit, string Subject, TokenBucket Bucket);
}
