using System.Globalization;
using System.Security.Claims;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Access.Authorization;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Http;
using Switchboard.Policy;
using Switchboard.Policy.RateLimiting;
using Switchboard.Registry;
using Switchboard.Storage;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Gateway.Access;

/// <summary>
/// Puts the policy in front of one session's view: list results show only what the caller may use, and a call,
/// read or get of anything else is refused; tool calls also pass the rate limits. Runs for every message, after
/// authentication has put the caller's roles on the request.
/// </summary>
internal sealed class McpAccessFilters(McpServerView view, AccessPolicyProvider policies, IToolCallRateLimiter limiter, IAuditStore audit, AuditArguments arguments, TimeProvider time)
{
    public void AddTo(McpServerOptions options)
    {
        var filters = options.Filters.Request;
        filters.ListToolsFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            var roles = context.User.Roles();
            result.Tools = [.. result.Tools.Where(t => Decide(roles, Actions.CallTool, t.Name).Allowed)];
            return result;
        });
        filters.CallToolFilters.Add(next => async (context, cancellationToken) =>
        {
            string exposed = context.Params?.Name ?? string.Empty;
            if (!view.TryResolveName(exposed, out var server, out var tool))
            {
                return await next(context, cancellationToken);
            }

            try
            {
                return await AuthorizeAndCallAsync(next, context, exposed, $"{server}/{tool}", cancellationToken);
            }
            catch (StorageUnavailableException)
            {
                throw DatabaseUnavailable(exposed);
            }
        });

        filters.ListPromptsFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            var roles = context.User.Roles();
            result.Prompts = [.. result.Prompts.Where(p => Decide(roles, Actions.GetPrompt, p.Name).Allowed)];
            return result;
        });
        filters.GetPromptFilters.Add(next => (context, cancellationToken) =>
        {
            string exposed = context.Params?.Name ?? string.Empty;
            var decision = Decide(context.User.Roles(), Actions.GetPrompt, exposed);
            Require(decision, context.User, context.User.Roles(), Actions.GetPrompt, exposed, $"get the prompt '{exposed}'");
            return next(context, cancellationToken);
        });

        filters.ListResourcesFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            var roles = context.User.Roles();
            result.Resources = [.. result.Resources.Where(r => DecideResource(roles, r.Uri).Allowed)];
            return result;
        });
        filters.ListResourceTemplatesFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            var roles = context.User.Roles();
            result.ResourceTemplates = [.. result.ResourceTemplates.Where(r => DecideResource(roles, r.UriTemplate).Allowed)];
            return result;
        });
        filters.ReadResourceFilters.Add(next => (context, cancellationToken) =>
        {
            string uri = context.Params?.Uri ?? string.Empty;
            var roles = context.User.Roles();
            Require(DecideResource(roles, uri), context.User, roles, Actions.ReadResource, uri, $"read the resource '{uri}'");
            return next(context, cancellationToken);
        });
    }

    // Every call is audited, allowed or not, and its answer waits until the audit event is durable: a call the
    // trail cannot record is never acknowledged.
    private async ValueTask<CallToolResult> AuthorizeAndCallAsync(
        McpRequestHandler<CallToolRequestParams, CallToolResult> next,
        RequestContext<CallToolRequestParams> context,
        string exposed,
        string scope,
        CancellationToken cancellationToken)
    {
        var (user, roles) = (context.User, context.User.Roles());
        string actor = user.PrincipalId() ?? "anonymous";
        long started = time.GetTimestamp();
        var captured = arguments.Capture(context.Params?.Arguments);
        var decision = policies.Current.Decide(roles, Actions.CallTool, scope);
        if (!decision.Allowed)
        {
            await RecordAsync(actor, scope, "denied", decision.Describe(roles, Actions.CallTool, scope), captured, started, cancellationToken);
            throw Forbidden(decision, user, roles, Actions.CallTool, scope, $"call the tool '{exposed}'");
        }

        var limit = await limiter.AcquireAsync(actor, roles, scope, cancellationToken);
        if (!limit.Allowed)
        {
            await RecordAsync(actor, scope, "rate-limited", $"limit '{limit.Limit}'", captured, started, cancellationToken);
            throw RateLimited(limit, exposed);
        }

        // While the database is away the call is refused before the tool runs: a tool with side effects must not act
        // when its record cannot be written (nor run twice when the client retries).
        await audit.EnsureWritableAsync(cancellationToken);
        string outcome = "failed";
        try
        {
            var result = await next(context, cancellationToken);
            outcome = result.IsError == true ? "tool-error" : "ok";
            return result;
        }
        finally
        {
            await RecordAsync(actor, scope, outcome, decision.Describe(roles, Actions.CallTool, scope), captured, started, CancellationToken.None);
        }
    }

    private PolicyDecision Decide(RoleSet roles, string action, string exposedName) =>
        view.TryResolveName(exposedName, out var server, out var name) ? policies.Current.Decide(roles, action, $"{server}/{name}") : default;

    private PolicyDecision DecideResource(RoleSet roles, string uri) =>
        view.ServerOfResource(uri) is { } server ? policies.Current.Decide(roles, Actions.ReadResource, $"{server}/{uri}") : default;

    private static void Require(PolicyDecision decision, ClaimsPrincipal? user, RoleSet roles, string action, string scope, string what)
    {
        if (!decision.Allowed)
        {
            throw Forbidden(decision, user, roles, action, scope, what);
        }
    }

    private static McpProtocolException Forbidden(PolicyDecision decision, ClaimsPrincipal? user, RoleSet roles, string action, string scope, string what) =>
        new($"Permission denied: {user.PrincipalId() ?? "an anonymous caller"} may not {what}; {decision.Describe(roles, action, scope)}.", GatewayErrorCodes.Forbidden);

    // Every tool call is audited, allowed or not. Arguments only when Audit:CaptureArguments is on, and redacted.
    private async Task RecordAsync(string actor, string scope, string outcome, string decision, JsonNode? captured, long started, CancellationToken cancellationToken)
    {
        var details = new JsonObject { ["decision"] = decision, ["durationMs"] = Math.Round(time.GetElapsedTime(started).TotalMilliseconds, 3) };
        if (captured is not null)
        {
            details["arguments"] = captured;
        }

        await audit.AppendAsync(new AuditEventDraft(time.GetUtcNow(), actor, "tools/call", scope, outcome, details.ToJsonString()), cancellationToken);
    }

    // The SDK would turn any other exception from a tool-call filter into an isError result saying only "An error
    // occurred", which reads like the tool failing. A protocol error says what happened and when to retry. It
    // cannot be an HTTP 503: the SDK answers on the 200 event stream it opened for the request (its priming event,
    // for resumability, is written first), so 503 with Retry-After is for what fails before the MCP handler runs.
    private static McpProtocolException DatabaseUnavailable(string tool)
    {
        var error = new McpProtocolException(
            $"Switchboard's database is unavailable, so the call to the tool '{tool}' could not be written to the audit trail and no result is returned (a tool already running when it went away has its result withheld); retry in {StorageUnavailableHandler.RetryAfterSeconds} s.",
            GatewayErrorCodes.StorageUnavailable);
        error.Data["retryAfterSeconds"] = StorageUnavailableHandler.RetryAfterSeconds;
        return error;
    }

    private static McpProtocolException RateLimited(RateLimitDecision limit, string tool)
    {
        double seconds = limit.RetryAfterSeconds;
        var error = new McpProtocolException(
            $"Rate limit '{limit.Limit}' reached for the tool '{tool}'; retry after {seconds.ToString(CultureInfo.InvariantCulture)} s.",
            GatewayErrorCodes.RateLimited);
        error.Data["retryAfterSeconds"] = seconds;
        error.Data["limit"] = limit.Limit;
        return error;
    }
}
