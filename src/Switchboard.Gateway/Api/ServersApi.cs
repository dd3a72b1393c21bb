using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Switchboard.Gateway.Servers;
using Switchboard.Policy;
using Switchboard.Upstreams;

namespace Switchboard.Gateway.Api;

/// <summary>Which changed tool definitions to approve.</summary>
/// <param name="Tool">One tool's name; every tool of the server awaiting approval when left out.</param>
public sealed record ApproveToolsRequest(string? Tool);

/// <summary>What an approval approved.</summary>
/// <param name="Server">The server.</param>
/// <param name="Approved">The tools whose changed definition is served from now on.</param>
public sealed record ApprovedTools(string Server, IReadOnlyList<string> Approved);

/// <summary>
/// <c>/api/v1/servers</c>: every server this replica knows (built-in, configured, stored) with its state, and
/// registration, changes in place, removal, connection tests and tool approvals of stored servers, behind <c>admin:servers</c>;
/// a stdio server's command, arguments, environment or working directory need <c>admin:commands</c> as well.
/// </summary>
internal static class ServersApi
{
    public static void MapServersApi(this RouteGroupBuilder api)
    {
        var servers = api.MapGroup("/servers");
        servers.MapGet("/", async (ServerRegistrySync sync, CancellationToken ct) =>
            {
                await sync.ApplyNowAsync(ct);
                return TypedResults.Ok(sync.Describe());
            })
            .Requires(Actions.ManageServers);
        servers.MapGet("/{name}", async (string name, ServerRegistrySync sync, CancellationToken ct) =>
            {
                await sync.ApplyNowAsync(ct);
                return sync.Describe().FirstOrDefault(s => s.Name == name) is { } server ? TypedResults.Ok(server) : NoSuchServer(name);
            })
            .Requires(Actions.ManageServers);
        servers.MapPost("/", AddAsync).Requires(Actions.ManageServers);
        servers.MapDelete("/{name}", async (string name, HttpContext http, ServerRegistrations registrations, ServerRegistrySync sync, CancellationToken ct) =>
            {
                if (!await registrations.RemoveAsync(name, AdminApi.Actor(http), ct))
                {
                    return sync.NamesTaken.Contains(name)
                        ? TypedResults.Problem($"The server '{name}' comes from this gateway's configuration or is built in; change the configuration to remove it.", statusCode: StatusCodes.Status409Conflict, title: "Conflict")
                        : NoSuchServer(name);
                }

                await sync.ApplyNowAsync(ct);
                return TypedResults.NoContent();
            })
            .Requires(Actions.ManageServers);
        servers.MapPatch("/{name}", EditAsync).Requires(Actions.ManageServers);
        servers.MapPost("/{name}/test", TestAsync).Requires(Actions.ManageServers);
        servers.MapPost("/{name}/approve", async (string name, ApproveToolsRequest? request, HttpContext http, ServerRegistrations registrations, ServerRegistrySync sync, CancellationToken ct) =>
            {
                if (!sync.Describe().Any(s => s.Name == name && s.Source != ServerSource.BuiltIn))
                {
                    return NoSuchServer(name);
                }

                var approved = await registrations.ApproveAsync(name, request?.Tool, AdminApi.Actor(http), ct);
                await sync.ApplyNowAsync(ct);
                return TypedResults.Ok(new ApprovedTools(name, approved));
            })
            .Requires(Actions.ManageServers);
    }

    private static async Task<IResult> AddAsync(AddServerRequest request, HttpContext http, ServerRegistrations registrations, ServerRegistrySync sync, CancellationToken ct)
    {
        if (GivesCommand(request.Command, request.Args, request.Env, request.WorkingDirectory) && await AdminApi.RefusalUnlessAllowedAsync(http, Actions.RunCommands) is { } refused)
        {
            return refused;
        }

        try
        {
            var added = await registrations.AddAsync(request, sync.NamesTaken, AdminApi.Actor(http), ct);
            await sync.ApplyNowAsync(ct);
            var info = sync.Describe().First(s => s.Name == added.Name);
            return TypedResults.Created($"/api/v1/servers/{added.Name}", info);
        }
        catch (ServerChangeException e)
        {
            return e.Conflict
                ? TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict")
                : AdminApi.BadRequest(e.Message);
        }
    }

    private static async Task<IResult> EditAsync(string name, EditServerRequest request, HttpContext http, ServerRegistrations registrations, ServerRegistrySync sync, CancellationToken ct)
    {
        // Changing what an existing stdio server runs is running a command too; its other settings, or turning it
        // into an HTTP server, are not.
        if (GivesCommand(request.Command, request.Args, request.Env, request.WorkingDirectory) && await AdminApi.RefusalUnlessAllowedAsync(http, Actions.RunCommands) is { } refused)
        {
            return refused;
        }

        try
        {
            if (await registrations.EditAsync(name, request, AdminApi.Actor(http), ct) is null)
            {
                return sync.NamesTaken.Contains(name)
                    ? TypedResults.Problem($"The server '{name}' comes from this gateway's configuration or is built in; change the configuration to change it.", statusCode: StatusCodes.Status409Conflict, title: "Conflict")
                    : NoSuchServer(name);
            }

            await sync.ApplyNowAsync(ct);
            return TypedResults.Ok(sync.Describe().First(s => s.Name == name));
        }
        catch (ServerChangeException e)
        {
            return AdminApi.BadRequest(e.Message);
        }
    }

    // Connects once with the registered settings, outside the registry: says whether the upstream serves MCP and what.
    private static async Task<IResult> TestAsync(string name, ServerRegistrations registrations, UpstreamServers upstreams, ILoggerFactory loggers, TimeProvider time, CancellationToken ct)
    {
        UpstreamOptions options;
        if (await registrations.GetAsync(name, ct) is { } stored)
        {
            try
            {
                options = registrations.OptionsOf(stored);
            }
            catch (System.Text.Json.JsonException e)
            {
                return AdminApi.BadRequest($"The stored settings of '{name}' cannot be read: {e.Message}");
            }
        }
        else if (upstreams.TryGet(name, out var configured))
        {
            options = configured.Options;
        }
        else
        {
            return NoSuchServer(name);
        }

        return TypedResults.Ok(await UpstreamProbe.TestAsync(name, options, loggers, time, ct));
    }

    // The gateway runs a stdio server's command as its own user, which can read the database and make an admin key:
    // whoever says what it runs, with what arguments, environment or directory, needs admin:commands as well.
    private static bool GivesCommand(string? command, IReadOnlyList<string>? args, IReadOnlyDictionary<string, string>? env, string? workingDirectory) =>
        command is not null || args is not null || env is not null || workingDirectory is not null;

    private static IResult NoSuchServer(string name) => AdminApi.NotFound($"There is no remote server '{name}' here; 'GET /api/v1/servers' lists them.");
}
