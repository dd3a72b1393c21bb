using Microsoft.Extensions.Options;
using Switchboard.Policy;
using Switchboard.Policy.RateLimiting;
using Switchboard.Storage.Caching;
using RateLimitDecision = Switchboard.Policy.RateLimiting.RateLimitDecision;

namespace Switchboard.Gateway.Access;

/// <summary>
/// Tool-call limits in token buckets every replica shares through Redis (one atomic script per bucket), and that
/// each replica keeps on its own while Redis is absent or down.
/// </summary>
/// <remarks>
/// Buckets are taken narrowest first (principal and tool, then principal, then global), so a call refused by a wide
/// limit has already spent a token of the narrower ones; with token buckets that only shortens the caller's next
/// burst, and keeps each check to one round trip per bucket.
/// </remarks>
internal sealed class SharedToolCallRateLimiter(IDistributedRateLimiter buckets, IOptionsMonitor<RateLimitOptions> options) : IToolCallRateLimiter
{
    public async ValueTask<RateLimitDecision> AcquireAsync(string principalId, RoleSet roles, string? tool, CancellationToken cancellationToken = default)
    {
        var current = options.CurrentValue;
        var limits = current.LimitsFor(roles);
        foreach (var (limit, subject, bucket) in new[]
                 {
                     ("principal-tool", $"{principalId}\n{tool}", tool is null ? null : limits.PerPrincipalTool),
                     ("principal", principalId, limits.PerPrincipal),
                     ("global", string.Empty, current.Global),
                 })
        {
            if (bucket is null)
            {
                continue;
            }

            // The bucket's settings are part of its key, so a configuration change starts fresh buckets.
            string key = $"ratelimit:{limit}:{bucket.Permits}/{bucket.Period.Ticks}/{bucket.Burst}:{subject}";
            var taken = await buckets.TryAcquireAsync(key, new TokenBucketPolicy(bucket.Burst, bucket.PerSecond), 1, cancellationToken);
            if (!taken.Allowed)
            {
                return new RateLimitDecision(false, limit, taken.RetryAfter);
            }
        }

        return RateLimitDecision.Allow;
    }
}
