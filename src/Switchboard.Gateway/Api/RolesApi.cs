using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Access.Authorization;
using Switchboard.Policy;

namespace Switchboard.Gateway.Api;

/// <summary>A custom role's definition.</summary>
/// <param name="Permissions">What it grants, e.g. <c>tools:call utilities/*</c>.</param>
/// <param name="Description">What it is for.</param>
public sealed record PutRoleRequest(IReadOnlyList<string>? Permissions, string? Description);

/// <summary><c>/api/v1/roles</c>: list every role, create, replace and delete custom ones, behind <c>admin:roles</c>.</summary>
internal static class RolesApi
{
    public static void MapRolesApi(this RouteGroupBuilder api)
    {
        var roles = api.MapGroup("/roles");
        roles.MapGet("/", async (RoleService service, CancellationToken ct) => TypedResults.Ok(await service.ListAsync(ct)))
            .Requires(Actions.ManageRoles);
        roles.MapGet("/{name}", async (string name, RoleService service, CancellationToken ct) =>
                (await service.ListAsync(ct)).FirstOrDefault(r => r.Name == name) is { } role ? TypedResults.Ok(role) : NoSuchRole(name))
            .Requires(Actions.ManageRoles);
        roles.MapPut("/{name}", async (string name, PutRoleRequest request, HttpContext http, RoleService service, CancellationToken ct) =>
                await ChangeAsync(async () => TypedResults.Ok(await service.PutAsync(name, request.Permissions ?? [], request.Description, AdminApi.Actor(http), ct))))
            .Requires(Actions.ManageRoles);
        roles.MapDelete("/{name}", async (string name, HttpContext http, RoleService service, CancellationToken ct) =>
                await ChangeAsync(async () => await service.DeleteAsync(name, AdminApi.Actor(http), ct) ? TypedResults.NoContent() : NoSuchRole(name)))
            .Requires(Actions.ManageRoles);
    }

    private static async Task<IResult> ChangeAsync(Func<Task<IResult>> change)
    {
        try
        {
            return await change();
        }
        catch (RoleChangeException e)
        {
            return e.Conflict
                ? TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict")
                : AdminApi.BadRequest(e.Message);
        }
    }

    private static IResult NoSuchRole(string name) => AdminApi.NotFound($"There is no role '{name}'.");
}
