using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Switchboard.Access.Authorization;
using Switchboard.Access.Identity;

namespace Switchboard.Gateway.Api;

/// <summary>An endpoint needs its caller's roles to grant <see cref="Action"/> (e.g. <c>admin:keys</c>).</summary>
internal sealed record PermissionRequirement(string Action) : IAuthorizationRequirement;

/// <summary>Decides <see cref="PermissionRequirement"/> with the same policy, and cache, as MCP requests.</summary>
internal sealed class PermissionAuthorizationHandler(AccessPolicyProvider policies) : AuthorizationHandler<PermissionRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var roles = context.User.Roles();
        var decision = policies.Current.Decide(roles, requirement.Action);
        if (decision.Allowed)
        {
            context.Succeed(requirement);
        }
        else
        {
            context.Fail(new AuthorizationFailureReason(this, $"{context.User.PrincipalId() ?? "The caller"} may not {requirement.Action}; {decision.Describe(roles, requirement.Action, null)}."));
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Answers a refused API request with problem details saying which permission was missing, instead of an empty
/// 403; everything else (401 challenges included) goes the default way.
/// </summary>
internal sealed class ProblemDetailsAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Forbidden)
        {
            await _default.HandleAsync(next, context, policy, authorizeResult);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "Permission denied",
                Detail = string.Join(" ", authorizeResult.AuthorizationFailure?.FailureReasons.Select(r => r.Message) ?? []),
            },
        });
    }
}
