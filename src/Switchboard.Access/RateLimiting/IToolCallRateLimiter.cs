using Switchboard.Policy;

namespace Switchboard.Access.RateLimiting;

/// <summary>Counts tool calls, and administrative API requests, against the limits of the caller's roles.</summary>
public interface IToolCallRateLimiter
{
    /// <summary>
    /// Takes one token from each limit that applies to <paramref name="principalId"/> calling <paramref name="tool"/>
    /// (<c>server/tool</c>); with no tool (an API request) only the per-principal and global limits apply.
    /// </summary>
    ValueTask<ToolCallLimitDecision> AcquireAsync(string principalId, RoleSet roles, string? tool, CancellationToken cancellationToken = default);
}
