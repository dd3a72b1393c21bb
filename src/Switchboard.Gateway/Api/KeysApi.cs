using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Access;
using Switchboard.Access.Identity;
using Switchboard.Policy;

namespace Switchboard.Gateway.Api;

/// <summary>A key to create: who it acts as, with which roles, until when (forever when left out).</summary>
/// <param name="Name">The key's principal name; unique.</param>
/// <param name="Roles">The roles the key carries; at least one.</param>
/// <param name="ExpiresAt">When the key stops working.</param>
public sealed record CreateKeyRequest(string? Name, IReadOnlyList<string>? Roles, DateTimeOffset? ExpiresAt);

/// <summary>
/// <c>/api/v1/keys</c>: the same operations as <c>switchboard keys</c>, behind <c>admin:keys</c>; creating or rotating a
/// key also needs every permission of its roles.
/// </summary>
internal static class KeysApi
{
    public static void MapKeysApi(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/keys");
        keys.MapGet("/", async (ApiKeyService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)))
            .Requires(Actions.ManageKeys);
        keys.MapGet("/{id}", async (string id, ApiKeyService service, CancellationToken ct) =>
                await service.FindAsync(id, ct) is { } key ? TypedResults.Ok(key) : NoSuchKey(id))
            .Requires(Actions.ManageKeys);
        keys.MapPost("/", CreateAsync).Requires(Actions.ManageKeys);
        keys.MapDelete("/{id}", async (string id, HttpContext http, ApiKeyService service, CancellationToken ct) =>
                await service.RevokeAsync(id, ct, AdminApi.Actor(http)) is { } revoked ? TypedResults.Ok(revoked) : NoSuchKey(id))
            .Requires(Actions.ManageKeys);
        keys.MapPost("/{id}/rotate", RotateAsync).Requires(Actions.ManageKeys);
    }

    private static async Task<IResult> CreateAsync(CreateKeyRequest request, HttpContext http, ApiKeyService service, TimeProvider time, CancellationToken ct)
    {
        if (await RefusalToHandOutAsync(http, request.Roles ?? [], "create a key with these roles") is { } refused)
        {
            return refused;
        }

        if (string.IsNullOrWhiteSpace(request.Name))
        {
            return AdminApi.BadRequest("'name' is required: the name of the principal the key acts for.");
        }

        TimeSpan? expiresIn = request.ExpiresAt - time.GetUtcNow();
        if (expiresIn <= TimeSpan.Zero)
        {
            return AdminApi.BadRequest("'expiresAt' is in the past; give a future time, or leave it out for a key that does not expire.");
        }

        try
        {
            return Created(await service.CreateAsync(request.Name, request.Roles ?? [], expiresIn, actor: AdminApi.Actor(http), cancellationToken: ct));
        }
        catch (ArgumentException e)
        {
            return AdminApi.BadRequest(e.Message);
        }
    }

    // Rotating hands out the key's new secret: as much as creating a key with its roles.
    private static async Task<IResult> RotateAsync(string id, HttpContext http, ApiKeyService service, CancellationToken ct)
    {
        if (await service.FindAsync(id, ct) is not { } key)
        {
            return NoSuchKey(id);
        }

        if (await RefusalToHandOutAsync(http, key.Roles, $"rotate the key '{key.Prefix}' (its new secret is handed to the caller)") is { } refused)
        {
            return refused;
        }

        return await service.RotateAsync(id, ct, AdminApi.Actor(http)) is { } rotated ? Created(rotated) : NoSuchKey(id);
    }

    // admin:keys is not a way around admin:roles: a caller hands out only the permissions it holds itself.
    private static async Task<IResult?> RefusalToHandOutAsync(HttpContext http, IReadOnlyList<string> roles, string what)
    {
        var decision = await http.RequestServices.GetRequiredService<AccessGuard>().AuthorizeGrantAsync(http.User.ToAccessPrincipal(), AdminApi.Operation(http), roles, http.RequestAborted);
        string caller = decision.Principal.Id;
        return decision.Outcome switch
        {
            AccessOutcome.Allowed => null,
            AccessOutcome.Denied => TypedResults.Problem(
                $"{caller} may not {what}: the roles [{string.Join(", ", roles)}] grant '{decision.Action}', which {caller} does not hold itself; {decision.Reason}.",
                statusCode: StatusCodes.Status403Forbidden,
                title: "Permission denied"),
            _ => AdminApi.Refusal(http, decision),
        };
    }

    // The only response that ever carries a key's secret.
    private static IResult Created(CreatedApiKey created) => TypedResults.Created($"/api/v1/keys/{created.Info.Id}", created);

    private static IResult NoSuchKey(string id) => AdminApi.NotFound($"There is no API key with id or prefix '{id}'.");
}
