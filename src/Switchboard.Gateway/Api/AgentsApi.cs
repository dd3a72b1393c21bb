using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Access.Identity;
using Switchboard.Agents.Custom;
using Switchboard.Agents.Director;
using Switchboard.Agents.Llm;
using Switchboard.Agents.Mcp;
using Switchboard.Policy;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Definitions;
using Switchboard.Workflows.Engine;

namespace Switchboard.Gateway.Api;

/// <summary>Adds a version of a custom agent.</summary>
/// <param name="Source">The declaration, YAML or JSON text.</param>
public sealed record AddAgentRequest(string? Source);

/// <summary>Starts a run of a custom agent.</summary>
/// <param name="Input">The user's message: text, or any JSON.</param>
/// <param name="Version">A stored version; the latest when left out.</param>
public sealed record StartAgentRunRequest(JsonNode? Input, int? Version);

/// <summary>Starts a Director run (docs/agents.md): a goal or a plan, with optional provider, re-plans and budget.</summary>
/// <param name="Goal">What to achieve; the model plans it.</param>
/// <param name="Plan">Instead of a goal, a plan to run: <c>{"steps": [...]}</c>.</param>
/// <param name="Provider">The model provider that plans; left out: the only one configured.</param>
/// <param name="MaxReplans">New plans allowed after the first (default 2).</param>
/// <param name="Budget"><c>{tokensIn, tokensOut, toolCalls, wallTime}</c> for the whole run.</param>
public sealed record StartDirectorRunRequest(string? Goal, JsonNode? Plan, string? Provider, JsonNode? MaxReplans, JsonNode? Budget);

/// <summary>
/// <c>/api/v1/agents</c>: custom agents (declarations behind <c>admin:agents</c>; starting a run behind
/// <c>agents:run</c>). A run is a workflow run of the caller's: its status, events, cancel and approvals are
/// <c>/api/v1/runs/{id}…</c>. <c>/api/v1/director/runs</c> starts the Director (<c>agents:run</c>), likewise a run of
/// the caller's.
/// </summary>
internal static class AgentsApi
{
    public static void MapAgentsApi(this RouteGroupBuilder api)
    {
        var agents = api.MapGroup("/agents");
        agents.MapPost("/", async Task<IResult> (AddAgentRequest request, HttpContext http, AgentCatalog catalog, AgentsServer server, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(request.Source))
                {
                    return AdminApi.BadRequest("Send the declaration as {\"source\": \"<YAML or JSON text>\"}.");
                }

                try
                {
                    var stored = await catalog.AddAsync(request.Source, AdminApi.Actor(http), ct);
                    await AdminApi.RecordChangeAsync(http, "agents.add", stored.Name, new JsonObject { ["version"] = stored.Version }, ct);
                    await server.RefreshAsync(ct); // agents__{name} is listed at once here,
                    await server.AnnounceChangeAsync(ct); // and on every other replica and worker through Redis
                    return TypedResults.Created($"/api/v1/agents/{stored.Name}/{stored.Version}", Describe(stored));
                }
                catch (WorkflowDefinitionException e)
                {
                    return TypedResults.Problem(
                        "The declaration has errors:\n" + string.Join("\n", e.Errors), statusCode: StatusCodes.Status400BadRequest, title: "Invalid agent",
                        extensions: new Dictionary<string, object?> { ["errors"] = e.Errors.Select(x => new { line = x.Position.Line, column = x.Position.Column, message = x.Message }).ToArray() });
                }
                catch (WorkflowVersionConflictException e)
                {
                    return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
                }
            })
            .Requires(Actions.ManageAgents);
        agents.MapGet("/", async (AgentCatalog catalog, CancellationToken ct) =>
                TypedResults.Ok((await catalog.ListAsync(ct)).GroupBy(v => v.Name).Select(g => new { name = g.Key, latest = g.Max(v => v.Version), versions = g.Select(v => v.Version).ToArray() })))
            .Requires(Actions.ManageAgents);
        agents.MapGet("/{name}", (string name, AgentCatalog catalog, CancellationToken ct) => ShowAsync(catalog, name, null, ct)).Requires(Actions.ManageAgents);
        agents.MapGet("/{name}/{version:int}", (string name, int version, AgentCatalog catalog, CancellationToken ct) => ShowAsync(catalog, name, version, ct)).Requires(Actions.ManageAgents);
        agents.MapPost("/{name}/runs", async Task<IResult> (string name, StartAgentRunRequest request, HttpContext http, AgentCatalog catalog, CancellationToken ct) =>
            {
                try
                {
                    var run = await catalog.StartAsync(name, request.Version, request.Input, http.User.ToAccessPrincipal(), cancellationToken: ct);
                    return TypedResults.Created($"/api/v1/runs/{run.Run.Id}", new { id = run.Run.Id, agent = name, version = run.Run.Version, state = WorkflowStore.Name(run.Run.State) });
                }
                catch (WorkflowRunException e)
                {
                    return AdminApi.BadRequest(e.Message);
                }
            })
            .Requires(Actions.RunAgents);

        api.MapPost("/director/runs", async Task<IResult> (StartDirectorRunRequest request, HttpContext http, DirectorRuns director, IAgentModelCatalog models, CancellationToken ct) =>
            {
                DirectorRequest parsed;
                try
                {
                    parsed = DirectorRequest.FromJson(new JsonObject
                    {
                        ["goal"] = request.Goal,
                        ["plan"] = request.Plan?.DeepClone(),
                        ["provider"] = request.Provider,
                        ["maxReplans"] = request.MaxReplans?.DeepClone(),
                        ["budget"] = request.Budget?.DeepClone(),
                    });
                }
                catch (ArgumentException e)
                {
                    return AdminApi.BadRequest(e.Message);
                }

                if (parsed.Provider is { } provider && !models.Contains(provider))
                {
                    return AdminApi.BadRequest($"There is no model provider '{provider}'; configured: {string.Join(", ", models.Providers.DefaultIfEmpty("none"))}.");
                }

                if (parsed.Goal is not null && parsed.Provider is null && models.Providers.Count != 1)
                {
                    return AdminApi.BadRequest($"Name the model provider that plans the goal ('provider'): one of {string.Join(", ", models.Providers.DefaultIfEmpty("none"))}.");
                }

                try
                {
                    var run = await director.StartAsync(parsed, http.User.ToAccessPrincipal(), cancellationToken: ct);
                    return TypedResults.Created($"/api/v1/runs/{run.Run.Id}", new { id = run.Run.Id, workflow = DirectorRuns.Workflow, state = WorkflowStore.Name(run.Run.State) });
                }
                catch (WorkflowRunException e)
                {
                    return AdminApi.BadRequest(e.Message);
                }
            })
            .Requires(Actions.RunAgents);
    }

    private static async Task<IResult> ShowAsync(AgentCatalog catalog, string name, int? version, CancellationToken ct) =>
        await catalog.GetAsync(name, version, ct) is { } stored
            ? TypedResults.Ok(Describe(stored))
            : AdminApi.NotFound(version is null ? $"There is no agent '{name}'." : $"The agent '{name}' has no version {version}.");

    private static JsonObject Describe(AgentVersion v) => new()
    {
        ["name"] = v.Name,
        ["version"] = v.Version,
        ["source"] = v.Source,
        ["createdBy"] = v.CreatedBy,
        ["createdAt"] = v.CreatedAt,
    };
}
