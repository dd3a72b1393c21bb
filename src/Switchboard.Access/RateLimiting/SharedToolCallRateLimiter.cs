using Microsoft.Extensions.Options;
using Switchboard.Policy;
using Switchboard.Policy.RateLimiting;
using Switchboard.Storage.Caching;
using RateLimitDecision = Switchboard.Policy.RateLimiting.RateLimitDecision;

namespace Switchboard.Access.RateLimiting;

/// <summary>
/// Tool-call limits in token buckets every replica shares through Redis, and that each replica keeps on its own
/// while Redis is absent or down.
/// </summary>
/// <remarks>
/// The buckets that apply to a call (principal and tool, principal, global) are taken together, in one atomic
/// script and one round trip: a call refused by one limit spends nothing from the others, so hammering one tool
/// does not drain the caller's budget for the rest.
/// </remarks>
internal sealed class SharedToolCallRateLimiter(IDistributedRateLimiter buckets, IOptionsMonitor<RateLimitOptions> options) : IToolCallRateLimiter
{
    public async ValueTask<RateLimitDecision> AcquireAsync(string principalId, RoleSet roles, string? tool, CancellationToken cancellationToken = default)
    {
        var current = options.CurrentValue;
        var limits = current.LimitsFor(roles);
        var names = new List<string>(3);
        var requests = new List<TokenBucketRequest>(3);
        foreach (var (limit, subject, bucket) in new[]
                 {
                     ("principal-tool", $"{principalId}\n{tool}", tool is null ? null : limits.PerPrincipalTool),
                     ("principal", principalId, limits.PerPrincipal),
                     ("global", string.Empty, current.Global),
                 })
        {
            if (bucket is not null)
            {
                names.Add(limit);
                // The bucket's settings are part of its key, so a configuration change starts fresh buckets.
                requests.Add(new TokenBucketRequest($"ratelimit:{limit}:{bucket.Permits}/{bucket.Period.Ticks}/{bucket.Burst}:{subject}", new TokenBucketPolicy(bucket.Burst, bucket.PerSecond)));
            }
        }

        if (requests.Count == 0)
        {
            return RateLimitDecision.Allow;
        }

        var taken = await buckets.TryAcquireAsync(requests, 1, cancellationToken);
        return taken.Allowed ? RateLimitDecision.Allow : new RateLimitDecision(false, names[taken.RefusedBy], taken.RetryAfter);
    }
}
