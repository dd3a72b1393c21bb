using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Access.Identity;

namespace Switchboard.Gateway.Api;

/// <summary>What a service token should carry: some of the key's roles (all when left out), for so many seconds.</summary>
/// <param name="Roles">A subset of the calling key's roles.</param>
/// <param name="LifetimeSeconds">60 up to <c>Identity:ServiceTokens:MaxLifetime</c>; the configured default when left out.</param>
public sealed record TokenRequest(IReadOnlyList<string>? Roles, int? LifetimeSeconds);

/// <summary>
/// <c>POST /api/v1/tokens</c>: exchanges the calling API key for a short-lived service token. No permission is needed
/// (a token can only narrow what the key may do), but only a key can ask: a token cannot extend itself.
/// </summary>
internal static class TokensApi
{
    public static void MapTokensApi(this RouteGroupBuilder api) =>
        api.MapPost("/tokens", async (TokenRequest? request, HttpContext http, ServiceTokenService tokens, CancellationToken ct) =>
        {
            var user = http.User;
            if (user.FindFirst(SwitchboardClaims.ServiceToken) is not null || user.FindFirst(SwitchboardClaims.ApiKey)?.Value is not { } prefix)
            {
                return TypedResults.Problem(
                    "Only an API key can be exchanged for a service token; authenticate with the key (Authorization: Bearer sbk_…).",
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Permission denied");
            }

            // An empty list would mean "every role of the key": a token meant to hold none must not silently hold them all.
            if (request?.Roles is { Count: 0 })
            {
                return AdminApi.BadRequest("'roles' is empty: name at least one of the key's roles, or leave 'roles' out for all of them.");
            }

            try
            {
                var lifetime = request?.LifetimeSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : (TimeSpan?)null;
                return TypedResults.Ok(await tokens.IssueAsync(user.PrincipalId()!, prefix, user.Roles().Roles, request?.Roles ?? [], lifetime, ct));
            }
            catch (ArgumentException e)
            {
                return AdminApi.BadRequest(e.Message);
            }
        });
}
