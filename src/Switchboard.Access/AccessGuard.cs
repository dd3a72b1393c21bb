using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using Switchboard.Access.Authorization;
using Switchboard.Access.Diagnostics;
using Switchboard.Access.RateLimiting;
using Switchboard.Errors;
using Switchboard.Policy;
using Switchboard.Storage;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Text;

namespace Switchboard.Access;

/// <summary>How a tool call that was allowed ended, for its audit event.</summary>
public enum ToolCallOutcome
{
    /// <summary>The tool returned a result.</summary>
    Ok,

    /// <summary>The tool returned a result with <c>isError: true</c>.</summary>
    ToolError,

    /// <summary>No such tool: the name was allowed, but nothing answers to it.</summary>
    UnknownTool,

    /// <summary>The call threw or was cancelled before the tool returned.</summary>
    Failed,
}

/// <summary>
/// The one access path for every caller (the MCP endpoints, the admin API, and later workers and agents): given a
/// principal, an action and a target it decides the policy, takes the rate limits, appends the audit event, and
/// returns an <see cref="AccessDecision"/>. Every refusal is audited and logged as one Warning line; every tool call
/// is audited whatever its outcome; allowed reads are not recorded, and administrative changes are audited by the
/// service that makes them.
/// </summary>
public sealed class AccessGuard(
    AccessPolicyProvider policies,
    IToolCallRateLimiter limiter,
    IAuditStore audit,
    AuditArguments arguments,
    TimeProvider time,
    ILogger<AccessGuard> logger)
{
    /// <summary>Whether <paramref name="principal"/> may <paramref name="action"/> on <paramref name="target"/>: the cached policy alone, for filtering lists. Nothing is counted or recorded.</summary>
    public bool Allows(AccessPrincipal principal, string action, string? target)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return policies.Current.Decide(principal.Roles, action, target).Allowed;
    }

    /// <summary>
    /// Decides a request that reads something named (<c>prompts/get</c>, <c>resources/read</c>, a completion, a
    /// subscription), or a permission an admin API request needs beyond its endpoint's because of what it asks for
    /// (<paramref name="target"/> null: the action is unscoped): the policy only, no limits. A refusal is audited as
    /// <paramref name="operation"/> on <paramref name="target"/>.
    /// </summary>
    public async ValueTask<AccessDecision> AuthorizeAsync(AccessPrincipal principal, string operation, string action, string? target, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var decision = Decide(principal, operation, action, target);
        return decision.Allowed ? Granted(decision) : await RefuseAsync(decision, null, time.GetTimestamp(), cancellationToken);
    }

    /// <summary>
    /// Decides an administrative request: the permission <paramref name="action"/> (none beyond authentication when
    /// null), then the caller's per-principal and global limits.
    /// </summary>
    public async ValueTask<AccessDecision> AuthorizeRequestAsync(AccessPrincipal principal, string operation, string? action, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        long started = time.GetTimestamp();
        var decision = action is null
            ? new AccessDecision(AccessOutcome.Allowed, principal, operation, null, null, default)
            : Decide(principal, operation, action, null);
        if (decision.Allowed)
        {
            decision = await LimitAsync(decision, tool: null, cancellationToken);
            if (decision.Outcome == AccessOutcome.RateLimited)
            {
                AccessDiagnostics.RecordRateLimitRefusal(string.Empty); // tool calls are counted by their server, where it is known
            }
        }

        return decision.Allowed ? Granted(decision) : await RefuseAsync(decision, null, started, cancellationToken);
    }

    /// <summary>
    /// Decides whether <paramref name="principal"/> may hand out <paramref name="roles"/>: give them to a key, or take
    /// the new secret of a key that holds them. Only when it holds every permission they grant itself, so that no one
    /// widens their own access. The policy only; a refusal is audited as <paramref name="operation"/>, its action the
    /// first permission not held.
    /// </summary>
    public async ValueTask<AccessDecision> AuthorizeGrantAsync(AccessPrincipal principal, string operation, IEnumerable<string> roles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        if (policies.Current.FirstPermissionNotHeld(principal.Roles, roles) is not { } missing)
        {
            return Granted(new AccessDecision(AccessOutcome.Allowed, principal, operation, null, null, default));
        }

        var refused = new AccessDecision(AccessOutcome.Denied, principal, operation, missing.Permission, null, new PolicyDecision(false, null, null));
        return await RefuseAsync(refused, null, time.GetTimestamp(), cancellationToken);
    }

    /// <summary>
    /// Decides a call of the tool <paramref name="target"/> (<c>server/tool</c>, or the name as given when it names no
    /// server): policy, then the limits, then whether its audit event can be written at all. A granted call must be
    /// finished with <see cref="CompleteToolCallAsync"/>, which records it.
    /// </summary>
    public async ValueTask<AccessDecision> AuthorizeToolCallAsync(AccessPrincipal principal, string target, IEnumerable<KeyValuePair<string, JsonElement>>? callArguments, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        long started = time.GetTimestamp();
        var captured = arguments.Capture(callArguments);
        var decision = Decide(principal, RequestMethods.ToolsCall, Actions.CallTool, target, started, captured);
        if (decision.Allowed)
        {
            decision = await LimitAsync(decision, target, cancellationToken);
        }

        if (!decision.Allowed)
        {
            return await RefuseAsync(decision, captured, started, cancellationToken);
        }

        try
        {
            // While the database is away the call is refused before the tool runs: a tool with side effects must not
            // act when its record cannot be written (nor run twice when the client retries).
            await audit.EnsureWritableAsync(cancellationToken);
        }
        catch (StorageUnavailableException)
        {
            return Unrecorded(decision);
        }

        return Granted(decision);
    }

    /// <summary>
    /// Refuses a call of the tool <paramref name="target"/> for <paramref name="reason"/>, a reason outside the policy
    /// (the key behind queued work was revoked): audited and logged as any denied call is.
    /// </summary>
    public async ValueTask<AccessDecision> RefuseToolCallAsync(AccessPrincipal principal, string target, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var refused = new AccessDecision(AccessOutcome.Denied, principal, RequestMethods.ToolsCall, Actions.CallTool, target, new PolicyDecision(false, null, null)) { Refusal = reason };
        return await RefuseAsync(refused, null, time.GetTimestamp(), cancellationToken);
    }

    /// <summary>
    /// Records how a granted tool call ended. The caller may hand the tool's result back only when this returns
    /// an allowed decision: a call the trail cannot record is never acknowledged (a <see cref="AccessOutcome.StorageUnavailable"/>
    /// decision says to withhold it).
    /// </summary>
    public async ValueTask<AccessDecision> CompleteToolCallAsync(AccessDecision grant, ToolCallOutcome outcome, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grant);
        if (!grant.Allowed)
        {
            throw new ArgumentException("Only a granted call can complete; a refusal was recorded when it was made.", nameof(grant));
        }

        string recorded = outcome switch
        {
            ToolCallOutcome.Ok => "ok",
            ToolCallOutcome.ToolError => "tool-error",
            ToolCallOutcome.UnknownTool => "unknown-tool",
            _ => "failed",
        };
        try
        {
            await AppendAsync(grant, recorded, grant.Arguments, grant.StartedAt, cancellationToken);
        }
        catch (StorageUnavailableException)
        {
            Log.ToolCallResultWithheld(logger, PrintableText.Escape(grant.Target), PrintableText.Escape(grant.Principal.Id));
            return grant.WithOutcome(AccessOutcome.StorageUnavailable, SwitchboardErrorCodes.StorageRetryAfterSeconds);
        }

        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.ToolCallCompleted(logger, PrintableText.Escape(grant.Target), PrintableText.Escape(grant.Principal.Id), recorded, Elapsed(grant.StartedAt));
        }

        return grant;
    }

    private AccessDecision Decide(AccessPrincipal principal, string operation, string action, string? target, long startedAt = 0, JsonNode? captured = null)
    {
        using var activity = AccessDiagnostics.ActivitySource.StartActivity("switchboard.policy");
        var policy = policies.Current.Decide(principal.Roles, action, target);
        activity?.SetTag("switchboard.decision", policy.Allowed ? "allowed" : "denied");
        return new AccessDecision(policy.Allowed ? AccessOutcome.Allowed : AccessOutcome.Denied, principal, operation, action, target, policy) { StartedAt = startedAt, Arguments = captured };
    }

    private async ValueTask<AccessDecision> LimitAsync(AccessDecision decision, string? tool, CancellationToken cancellationToken)
    {
        using var activity = AccessDiagnostics.ActivitySource.StartActivity("switchboard.rate_limit");
        var limit = await limiter.AcquireAsync(decision.Principal.Id, decision.Principal.Roles, tool, cancellationToken);
        activity?.SetTag("switchboard.decision", limit.Allowed ? "allowed" : "rate_limited");
        return limit.Allowed
            ? decision
            : new AccessDecision(AccessOutcome.RateLimited, decision.Principal, decision.Operation, decision.Action, decision.Target, decision.Policy, limit.Limit, limit.RetryAfterSeconds);
    }

    private AccessDecision Granted(AccessDecision decision)
    {
        // Checked first: the hot path must not build the message's arguments for a level that is off.
        if (logger.IsEnabled(LogLevel.Debug))
        {
            Log.Allowed(logger, decision.Operation, PrintableText.Escape(decision.Target), PrintableText.Escape(decision.Principal.Id), PrintableText.Escape(decision.Reason)!);
        }

        return decision;
    }

    // Every refusal is audited; one that cannot be is answered as the outage it is.
    private async ValueTask<AccessDecision> RefuseAsync(AccessDecision decision, JsonNode? captured, long started, CancellationToken cancellationToken)
    {
        string outcome = decision.Outcome == AccessOutcome.RateLimited ? "rate-limited" : "denied";
        try
        {
            await AppendAsync(decision, outcome, captured, started, cancellationToken);
        }
        catch (StorageUnavailableException)
        {
            return Unrecorded(decision);
        }

        Log.Refused(logger, decision.Operation, PrintableText.Escape(decision.Target), PrintableText.Escape(decision.Principal.Id), outcome, PrintableText.Escape(decision.Reason)!);
        return decision;
    }

    private AccessDecision Unrecorded(AccessDecision decision)
    {
        var refused = decision.WithOutcome(AccessOutcome.StorageUnavailable, SwitchboardErrorCodes.StorageRetryAfterSeconds);
        Log.Refused(logger, decision.Operation, PrintableText.Escape(decision.Target), PrintableText.Escape(decision.Principal.Id), "unavailable", PrintableText.Escape(refused.Reason)!);
        return refused;
    }

    // Arguments only when Audit:CaptureArguments is on, and redacted. Without a listener for the span (the usual
    // case) the store's task is handed back as it is: no state machine of this method's own on every call.
    private Task AppendAsync(AccessDecision decision, string outcome, JsonNode? captured, long started, CancellationToken cancellationToken)
    {
        var draft = new AuditEventDraft(time.GetUtcNow(), decision.Principal.Id, decision.Operation, decision.Target, outcome, AuditDetails.Write(decision.Reason, Elapsed(started), captured));
        var activity = AccessDiagnostics.ActivitySource.StartActivity("switchboard.audit.append");
        return activity is null ? audit.AppendAsync(draft, cancellationToken) : AppendTracedAsync(activity, draft, cancellationToken);
    }

    private async Task AppendTracedAsync(Activity activity, AuditEventDraft draft, CancellationToken cancellationToken)
    {
        using (activity)
        {
            try
            {
                await audit.AppendAsync(draft, cancellationToken);
            }
            catch (Exception e)
            {
                activity.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
                throw;
            }
        }
    }

    private double Elapsed(long started) => Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 3);
}
