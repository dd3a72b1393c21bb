namespace Switchboard.Access.RateLimiting;

/// <summary>Whether a call may go ahead under the caller's limits; when not, which limit stopped it and when to retry.</summary>
/// <param name="Allowed">Whether the call is within every limit.</param>
/// <param name="Limit">The limit that refused it: <c>global</c>, <c>principal</c> or <c>principal-tool</c>.</param>
/// <param name="RetryAfter">How long until a token is likely available.</param>
public readonly record struct ToolCallLimitDecision(bool Allowed, string? Limit = null, TimeSpan? RetryAfter = null)
{
    /// <summary>The call may proceed.</summary>
    public static ToolCallLimitDecision Allow { get; } = new(true);

    /// <summary>Whole seconds to wait before retrying (at least 1), as <c>Retry-After</c> and <c>retryAfterSeconds</c> give it.</summary>
    public double RetryAfterSeconds => Math.Max(1, Math.Ceiling((RetryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds));
}
