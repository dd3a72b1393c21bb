namespace Switchboard.Policy.RateLimiting;

/// <summary>Whether a tool call may go ahead; when not, which limit stopped it and when to retry.</summary>
/// <param name="Allowed">Whether the call is within every limit.</param>
/// <param name="Limit">The limit that refused it: <c>global</c>, <c>principal</c> or <c>principal-tool</c>.</param>
/// <param name="RetryAfter">How long until a token is likely available.</param>
public readonly record struct RateLimitDecision(bool Allowed, string? Limit = null, TimeSpan? RetryAfter = null)
{
    /// <summary>The call may proceed.</summary>
    public static RateLimitDecision Allow { get; } = new(true);

    /// <summary>Whole seconds to wait before retrying (at least 1), as <c>Retry-After</c> and <c>retryAfterSeconds</c> give it.</summary>
    public double RetryAfterSeconds => Math.Max(1, Math.Ceiling((RetryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds));
}

/// <summary>Counts tool calls, and administrative API requests, against the limits of the caller's roles.</summary>
public interface IToolCallRateLimiter
{
    /// <summary>
    /// Takes one token from each limit that applies to <paramref name="principalId"/> calling <paramref name="tool"/>
    /// (<c>server/tool</c>); with no tool (an API request) only the per-principal and global limits apply.
    /// </summary>
    ValueTask<RateLimitDecision> AcquireAsync(string principalId, RoleSet roles, string? tool, CancellationToken cancellationToken = default);
}
