using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Identity;
using Switchboard.Policy.RateLimiting;

namespace Switchboard.Gateway.Api;

/// <summary>
/// The administrative REST API under <c>/api/v1</c>: JSON in and out, RFC 9457 problem details for every error,
/// each endpoint guarded by one permission, and every request counted against the caller's per-principal limit.
/// </summary>
internal static class AdminApi
{
    public const string Prefix = "/api";

    /// <summary>The OpenAPI document's name, which is also the API version in its path.</summary>
    public const string DocumentName = "v1";

    /// <summary>Describes the admin API (and nothing else) in an OpenAPI document.</summary>
    public static IServiceCollection AddAdminApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            o.ShouldInclude = d => d.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true;
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "Switchboard admin API";
                document.Info.Description = "API keys, custom roles, the audit trail and service tokens. Authenticate with Authorization: Bearer <API key or token>.";
                return Task.CompletedTask;
            });
        });

    public static void MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        // Served to any authenticated caller: it describes the API, and says nothing about this installation.
        endpoints.MapOpenApi($"{Prefix}/{{documentName}}/openapi.json")
            .RequireSwitchboardAuthentication();

        var api = endpoints.MapGroup($"{Prefix}/v1")
            .RequireSwitchboardAuthentication()
            .AddEndpointFilter(LimitRequestsAsync);
        api.MapKeysApi();
        api.MapAuditApi();
        api.MapRolesApi();
        api.MapTokensApi();
    }

    /// <summary>Adds the permission an endpoint needs.</summary>
    public static RouteHandlerBuilder Requires(this RouteHandlerBuilder endpoint, string action) =>
        endpoint.RequireAuthorization(p => p.AddAuthenticationSchemes(SwitchboardIdentityExtensions.Scheme).AddRequirements(new PermissionRequirement(action)));

    /// <summary>Who an administrative change is attributed to in the audit trail.</summary>
    public static string Actor(HttpContext http) => http.User.PrincipalId() ?? ApiKeyService.OperatorActor;

    /// <summary>A 400 problem that says what to fix.</summary>
    public static IResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");

    /// <summary>A 404 problem naming what was not found.</summary>
    public static IResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static async ValueTask<object?> LimitRequestsAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var limiter = http.RequestServices.GetRequiredService<IToolCallRateLimiter>();
        if (http.User.PrincipalId() is { } principal)
        {
            var decision = await limiter.AcquireAsync(principal, http.User.Roles(), tool: null, http.RequestAborted);
            if (!decision.Allowed)
            {
                double seconds = decision.RetryAfterSeconds;
                http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(
                    $"Rate limit '{decision.Limit}' reached; retry after {seconds.ToString(CultureInfo.InvariantCulture)} s.",
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests");
            }
        }

        return await next(context);
    }
}
