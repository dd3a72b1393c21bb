using System.Text.Json.Nodes;
using ModelContextProtocol;
using Switchboard.Errors;
using Switchboard.Policy;

namespace Switchboard.Access;

/// <summary>What <see cref="AccessGuard"/> decided.</summary>
public enum AccessOutcome
{
    /// <summary>The request may go ahead.</summary>
    Allowed,

    /// <summary>The caller's roles do not grant it.</summary>
    Denied,

    /// <summary>The caller is over one of its limits.</summary>
    RateLimited,

    /// <summary>The database is unavailable, so the request could not be recorded and must not go ahead.</summary>
    StorageUnavailable,
}

/// <summary>
/// The answer to one request for access: allowed, or refused and why. A value, not an exception: each caller maps a
/// refusal to its own protocol (a JSON-RPC error, problem details, a CLI message) with <see cref="ErrorCode"/>,
/// <see cref="Reason"/> and <see cref="RetryAfterSeconds"/>.
/// </summary>
public sealed class AccessDecision
{
    internal AccessDecision(AccessOutcome outcome, AccessPrincipal principal, string operation, string? action, string? target, PolicyDecision policy, string? limit = null, double retryAfterSeconds = 0)
    {
        Outcome = outcome;
        Principal = principal;
        Operation = operation;
        Action = action;
        Target = target;
        Policy = policy;
        Limit = limit;
        RetryAfterSeconds = retryAfterSeconds;
    }

    /// <summary>What was decided.</summary>
    public AccessOutcome Outcome { get; }

    /// <summary>Whether the request may go ahead.</summary>
    public bool Allowed => Outcome == AccessOutcome.Allowed;

    /// <summary>Who asked.</summary>
    public AccessPrincipal Principal { get; }

    /// <summary>What was asked, as the audit trail records it: an MCP method (<c>tools/call</c>) or an API operation.</summary>
    public string Operation { get; }

    /// <summary>The permission action decided (<c>tools:call</c>); null when the request needs none beyond authentication.</summary>
    public string? Action { get; }

    /// <summary>What it was asked on: <c>server/name</c>, or the name as given when it names no server; null for unscoped actions.</summary>
    public string? Target { get; }

    /// <summary>The policy's part of the decision: which role and permission allowed it, if any.</summary>
    public PolicyDecision Policy { get; }

    /// <summary>When rate limited: the limit that refused it (<c>principal-tool</c>, <c>principal</c>, <c>global</c>).</summary>
    public string? Limit { get; }

    /// <summary>When rate limited or the database is unavailable: whole seconds to wait before retrying.</summary>
    public double RetryAfterSeconds { get; }

    /// <summary>One line saying why, for the caller's error, the audit trail and the log.</summary>
    public string Reason => Outcome switch
    {
        AccessOutcome.RateLimited => $"limit '{Limit}'",
        AccessOutcome.StorageUnavailable => "the database is unavailable",
        _ when Refusal is not null => Refusal,
        _ when Action is null => "no permission needed",
        _ => Policy.Describe(Principal.Roles, Action, Target),
    };

    /// <summary>The JSON-RPC error code of a refusal (from <see cref="SwitchboardErrorCodes"/>); null when allowed.</summary>
    public McpErrorCode? ErrorCode => Outcome switch
    {
        AccessOutcome.Denied => SwitchboardErrorCodes.PermissionDenied,
        AccessOutcome.RateLimited => SwitchboardErrorCodes.RateLimited,
        AccessOutcome.StorageUnavailable => SwitchboardErrorCodes.StorageUnavailable,
        _ => null,
    };

    // Why it was denied when the policy was not the reason (a revoked credential).
    internal string? Refusal { get; init; }

    // A granted tool call carries what its completion record needs.
    internal long StartedAt { get; init; }

    internal JsonNode? Arguments { get; init; }

    internal AccessDecision WithOutcome(AccessOutcome outcome, double retryAfterSeconds = 0) =>
        new(outcome, Principal, Operation, Action, Target, Policy, Limit, retryAfterSeconds) { StartedAt = StartedAt, Arguments = Arguments, Refusal = Refusal };
}
