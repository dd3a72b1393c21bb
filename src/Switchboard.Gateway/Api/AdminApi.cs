using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Access;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Identity;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

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
                document.Info.Description = "API keys, custom roles, the audit trail, service tokens and MCP servers. Authenticate with Authorization: Bearer <API key or token>.";
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
            .WithMetadata(AdminEndpoint.Instance);
        api.MapKeysApi();
        api.MapAuditApi();
        api.MapRolesApi();
        api.MapTokensApi();
        api.MapServersApi();
        api.MapVirtualServersApi();
        api.MapWorkflowsApi();
        api.MapAgentsApi();
    }

    /// <summary>Adds the permission an endpoint needs.</summary>
    public static RouteHandlerBuilder Requires(this RouteHandlerBuilder endpoint, string action) =>
        endpoint.WithMetadata(new RequiredPermission(action));

    /// <summary>Who an administrative change is attributed to in the audit trail.</summary>
    public static string Actor(HttpContext http) => http.User.PrincipalId() ?? ApiKeyService.OperatorActor;

    /// <summary>
    /// Records a change made through the API that no service below records itself (a workflow or agent definition, a
    /// run cancelled or an approval decided), as keys, roles and servers record theirs.
    /// </summary>
    public static async Task RecordChangeAsync(HttpContext http, string action, string target, JsonObject? details, CancellationToken cancellationToken)
    {
        var audit = http.RequestServices.GetRequiredService<IAuditStore>();
        var time = http.RequestServices.GetRequiredService<TimeProvider>();
        await audit.AppendAsync(new AuditEventDraft(time.GetUtcNow(), Actor(http), action, target, "ok", details?.ToJsonString()), cancellationToken);
    }

    /// <summary>A 400 problem that says what to fix.</summary>
    public static IResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request");

    /// <summary>A 404 problem naming what was not found.</summary>
    public static IResult NotFound(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    /// <summary>
    /// Decides every admin API request by AccessGuard: the endpoint's permission, then the caller's per-principal
    /// limit. A middleware, not an endpoint filter, so that it runs before the body is read and bound: a caller
    /// without the permission gets 403 whatever it sent, never a 400 that tells it how to shape a request.
    /// </summary>
    public static async Task AuthorizeAsync(HttpContext http, RequestDelegate next)
    {
        var endpoint = http.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<AdminEndpoint>() is null)
        {
            await next(http);
            return;
        }

        string? action = endpoint?.Metadata.GetMetadata<RequiredPermission>()?.Action;
        var decision = await http.RequestServices.GetRequiredService<AccessGuard>().AuthorizeRequestAsync(http.User.ToAccessPrincipal(), Operation(http), action, http.RequestAborted);
        if (decision.Allowed)
        {
            await next(http);
            return;
        }

        await Refusal(http, decision).ExecuteAsync(http);
    }

    /// <summary>
    /// Decides <paramref name="action"/>, a permission the request needs beyond its endpoint's because of what it asks
    /// for (a stdio server's command); null when the caller holds it, else the refusal to answer with, audited.
    /// </summary>
    public static async Task<IResult?> RefusalUnlessAllowedAsync(HttpContext http, string action)
    {
        var decision = await http.RequestServices.GetRequiredService<AccessGuard>().AuthorizeAsync(http.User.ToAccessPrincipal(), Operation(http), action, target: null, http.RequestAborted);
        return decision.Allowed ? null : Refusal(http, decision);
    }

    /// <summary>
    /// How the audit trail names the request: the route, not the path, so that it groups refusals by endpoint
    /// (POST /api/v1/keys, GET /api/v1/keys/{id}).
    /// </summary>
    public static string Operation(HttpContext http) =>
        $"{http.Request.Method} {((http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path.Value)?.TrimEnd('/')}";

    /// <summary>The problem details of a refused decision: 403, 429 or 503, with Retry-After where waiting helps.</summary>
    public static IResult Refusal(HttpContext http, AccessDecision decision)
    {
        string seconds = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        if (decision.Outcome != AccessOutcome.Denied)
        {
            http.Response.Headers.RetryAfter = seconds;
        }

        return decision.Outcome switch
        {
            AccessOutcome.Denied => TypedResults.Problem(
                $"{decision.Principal.Id} may not {decision.Action}; {decision.Reason}.", statusCode: StatusCodes.Status403Forbidden, title: "Permission denied"),
            AccessOutcome.RateLimited => TypedResults.Problem(
                $"Rate limit '{decision.Limit}' reached; retry after {seconds} s.", statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests"),
            _ => TypedResults.Problem(
                $"Switchboard's database is unavailable; retry in {seconds} s.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Service unavailable"),
        };
    }

    /// <summary>Marks the endpoints <see cref="AuthorizeAsync"/> decides.</summary>
    private sealed class AdminEndpoint
    {
        public static readonly AdminEndpoint Instance = new();
    }

    /// <summary>The permission an endpoint needs; endpoints without one are open to every authenticated caller.</summary>
    private sealed record RequiredPermission(string Action);
}
