using System.Globalization;
using System.Security.Claims;
using ModelContextProtocol;
using ModelContextProtocol.Server;
using Switchboard.Gateway.Identity;
using Switchboard.Policy;
using Switchboard.Policy.RateLimiting;
using Switchboard.Registry;

namespace Switchboard.Gateway.Access;

/// <summary>
/// Puts the policy in front of one session's view: list results show only what the caller may use, and a call,
/// read or get of anything else is refused; tool calls also pass the rate limits. Runs for every message, after
/// authentication has put the caller's roles on the request.
/// </summary>
internal sealed class McpAccessFilters(McpServerView view, AccessPolicyProvider policies, IToolCallRateLimiter limiter)
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
            var (user, roles) = (context.User, context.User.Roles());
            if (view.TryResolveName(exposed, out var server, out var tool))
            {
                string scope = $"{server}/{tool}";
                Require(policies.Current.Decide(roles, Actions.CallTool, scope), user, roles, Actions.CallTool, scope, $"call the tool '{exposed}'");
                var limit = await limiter.AcquireAsync(user.PrincipalId() ?? "anonymous", roles, scope, cancellationToken);
                if (!limit.Allowed)
                {
                    throw RateLimited(limit, exposed);
                }
            }

            return await next(context, cancellationToken);
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

    private PolicyDecision Decide(RoleSet roles, string action, string exposedName) =>
        view.TryResolveName(exposedName, out var server, out var name) ? policies.Current.Decide(roles, action, $"{server}/{name}") : default;

    private PolicyDecision DecideResource(RoleSet roles, string uri) =>
        view.ServerOfResource(uri) is { } server ? policies.Current.Decide(roles, Actions.ReadResource, $"{server}/{uri}") : default;

    private static void Require(PolicyDecision decision, ClaimsPrincipal? user, RoleSet roles, string action, string scope, string what)
    {
        if (!decision.Allowed)
        {
            throw new McpProtocolException(
                $"Permission denied: {user.PrincipalId() ?? "an anonymous caller"} may not {what}; {decision.Describe(roles, action, scope)}.",
                GatewayErrorCodes.Forbidden);
        }
    }

    private static McpProtocolException RateLimited(RateLimitDecision limit, string tool)
    {
        double seconds = Math.Ceiling((limit.RetryAfter ?? TimeSpan.FromSeconds(1)).TotalSeconds);
        var error = new McpProtocolException(
            $"Rate limit '{limit.Limit}' reached for the tool '{tool}'; retry after {seconds.ToString(CultureInfo.InvariantCulture)} s.",
            GatewayErrorCodes.RateLimited);
        error.Data["retryAfterSeconds"] = seconds;
        error.Data["limit"] = limit.Limit;
        return error;
    }
}
