using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Gateway.Servers;
using Switchboard.Policy;

namespace Switchboard.Gateway.Api;

/// <summary>
/// <c>/api/v1/virtual-servers</c>: virtual servers (the composed tools of several servers as one
/// <c>/servers/{name}/mcp</c>) stored at run time, behind <c>admin:servers</c>. Listed with their state, like every
/// server, by <c>GET /api/v1/servers</c> (transport <c>virtual</c>) and removed by <c>DELETE /api/v1/servers/{name}</c>.
/// </summary>
internal static class VirtualServersApi
{
    public static void MapVirtualServersApi(this RouteGroupBuilder api)
    {
        var virtuals = api.MapGroup("/virtual-servers");
        virtuals.MapGet("/", async (ServerRegistrySync sync, CancellationToken ct) =>
            {
                await sync.ApplyNowAsync(ct);
                return TypedResults.Ok(sync.Describe().Where(s => s.Compose is not null).ToList());
            })
            .Requires(Actions.ManageServers);
        virtuals.MapPut("/{name}", PutAsync).Requires(Actions.ManageServers);
    }

    // Creates or replaces: the whole composition is given each time, as configuration's Servers:{name}:Compose is.
    private static async Task<IResult> PutAsync(string name, VirtualServerRequest request, HttpContext http, VirtualServerRegistrations registrations, ServerRegistrySync sync, CancellationToken ct)
    {
        try
        {
            bool created = await registrations.PutAsync(name, request, sync.NamesTaken, AdminApi.Actor(http), ct);
            await sync.ApplyNowAsync(ct);
            var info = sync.Describe().First(s => s.Name == name);
            return created ? TypedResults.Created($"/api/v1/servers/{name}", info) : TypedResults.Ok(info);
        }
        catch (ServerChangeException e)
        {
            return e.Conflict
                ? TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict")
                : AdminApi.BadRequest(e.Message);
        }
    }
}
