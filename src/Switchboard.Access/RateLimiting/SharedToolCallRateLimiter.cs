using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using Switchboard.Policy;
using Switchboard.Policy.RateLimiting;
using Switchboard.Storage.Caching;

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
    private const string PrincipalTool = "principal-tool";
    private const string Principal = "principal";
    private const string Global = "global";

    // Each configured bucket's key prefix and policy, made once per bucket object: a configuration change binds new
    // objects, whose entries are made afresh, and the old ones go with their objects.
    private static readonly ConditionalWeakTable<TokenBucket, Shape> PrincipalToolShapes = [];
    private static readonly ConditionalWeakTable<TokenBucket, Shape> PrincipalShapes = [];
    private static readonly ConditionalWeakTable<TokenBucket, Shape> GlobalShapes = [];

    public ValueTask<ToolCallLimitDecision> AcquireAsync(string principalId, RoleSet roles, string? tool, CancellationToken cancellationToken = default)
    {
        var current = options.CurrentValue;
        var limits = current.LimitsFor(roles);
        var perTool = tool is null ? null : limits.PerPrincipalTool;
        var perPrincipal = limits.PerPrincipal;
        var global = current.Global;
        int count = (perTool is null ? 0 : 1) + (perPrincipal is null ? 0 : 1) + (global is null ? 0 : 1);
        if (count == 0)
        {
            return ValueTask.FromResult(ToolCallLimitDecision.Allow);
        }

        var requests = new TokenBucketRequest[count];
        var names = new string[count];
        int next = 0;
        if (perTool is not null)
        {
            var shape = ShapeOf(PrincipalToolShapes, PrincipalTool, perTool);
            names[next] = PrincipalTool;
            requests[next++] = new TokenBucketRequest(string.Concat(shape.Prefix, Unambiguous(principalId), "\n", tool), shape.Policy);
        }

        if (perPrincipal is not null)
        {
            var shape = ShapeOf(PrincipalShapes, Principal, perPrincipal);
            names[next] = Principal;
            requests[next++] = new TokenBucketRequest(string.Concat(shape.Prefix, principalId), shape.Policy);
        }

        if (global is not null)
        {
            var shape = ShapeOf(GlobalShapes, Global, global);
            names[next] = Global;
            requests[next] = new TokenBucketRequest(shape.Prefix, shape.Policy); // the global bucket's subject is empty
        }

        var taking = buckets.TryAcquireAsync(requests, 1, cancellationToken);
        return taking.IsCompletedSuccessfully ? ValueTask.FromResult(Decide(taking.Result, names)) : AwaitAsync(taking, names);
    }

    // The principal-tool subject is the principal, a newline, then the tool. A name may hold a newline (principals are
    // named by operators, tools by upstream servers), so the principal's newlines and
    // backslashes are escaped: otherwise "alice\nfinancial" calling "pmt" and "alice" calling "financial\npmt" would
    // share, and drain, one bucket. Names without either keep the key they always had.
    private static string Unambiguous(string principalId) =>
        principalId.AsSpan().IndexOfAny('\n', '\\') < 0
            ? principalId
            : principalId.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    private static async ValueTask<ToolCallLimitDecision> AwaitAsync(ValueTask<TokenBucketDecision> taking, string[] names) =>
        Decide(await taking, names);

    private static ToolCallLimitDecision Decide(TokenBucketDecision taken, string[] names) =>
        taken.Allowed ? ToolCallLimitDecision.Allow : new ToolCallLimitDecision(false, names[taken.RefusedBy], taken.RetryAfter);

    private static Shape ShapeOf(ConditionalWeakTable<TokenBucket, Shape> shapes, string limit, TokenBucket bucket) =>
        shapes.TryGetValue(bucket, out var shape) ? shape : AddShape(shapes, limit, bucket);

    // Apart from ShapeOf, so that the closure is made only when a bucket is first seen.
    private static Shape AddShape(ConditionalWeakTable<TokenBucket, Shape> shapes, string limit, TokenBucket bucket) =>
        shapes.GetValue(bucket, b => Shape.Of(limit, b));

    private sealed class Shape(string prefix, TokenBucketPolicy policy)
    {
        // The bucket's settings are part of its key, so a configuration change starts fresh buckets.
        public static Shape Of(string limit, TokenBucket bucket) =>
            new($"ratelimit:{limit}:{bucket.Permits}/{bucket.Period.Ticks}/{bucket.Burst}:", new TokenBucketPolicy(bucket.Burst, bucket.PerSecond));

        public string Prefix { get; } = prefix;

        public TokenBucketPolicy Policy { get; } = policy;
    }
}
