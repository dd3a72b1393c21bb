using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Access.Identity;
using Switchboard.Agents.Custom;
using Switchboard.Agents.Director;
using Switchboard.Policy;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Definitions;
using Switchboard.Workflows.Engine;

namespace Switchboard.Gateway.Api;

/// <summary>Adds a version of a workflow.</summary>
/// <param name="Source">The definition, YAML or JSON text.</param>
public sealed record AddWorkflowRequest(string? Source);

/// <summary>Starts a run.</summary>
/// <param name="Workflow">The workflow's name.</param>
/// <param name="Version">A stored version; the latest when left out.</param>
/// <param name="Inputs">The run's inputs.</param>
public sealed record StartRunRequest(string Workflow, int? Version, JsonObject? Inputs);

/// <summary>Decides an approval step.</summary>
/// <param name="Step">The approval step's id.</param>
/// <param name="Approved">True approves (the run goes on); false rejects (the step fails).</param>
/// <param name="Comment">Recorded in the step's output.</param>
public sealed record ApprovalRequest(string? Step, bool? Approved, string? Comment);

/// <summary>Delivers an event to a run's steps that wait for it.</summary>
/// <param name="Event">The event's name, as a wait step's <c>event</c> names it.</param>
/// <param name="Data">Any JSON; the waiting step's output holds it as <c>data</c>.</param>
public sealed record RunEventRequest(string? Event, JsonNode? Data);

/// <summary>
/// <c>/api/v1/workflows</c> (definitions, behind <c>admin:workflows</c>) and <c>/api/v1/runs</c> (the caller's own
/// runs, behind <c>workflows:run</c>): another principal's run is "not found".
/// </summary>
internal static class WorkflowsApi
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;
    private static readonly TimeSpan EventPoll = TimeSpan.FromMilliseconds(250);

    public static void MapWorkflowsApi(this RouteGroupBuilder api)
    {
        var workflows = api.MapGroup("/workflows");
        // The definition travels as text, YAML or JSON, so the lines that errors name are the author's own.
        workflows.MapPost("/", async Task<IResult> (AddWorkflowRequest request, HttpContext http, WorkflowEngine engine, CancellationToken ct) =>
            {
                if (string.IsNullOrWhiteSpace(request.Source))
                {
                    return AdminApi.BadRequest("Send the definition as {\"source\": \"<YAML or JSON text>\"}.");
                }

                try
                {
                    var stored = await engine.AddAsync(request.Source, AdminApi.Actor(http), ReservedName, ct);
                    await AdminApi.RecordChangeAsync(http, "workflows.add", stored.Name, new JsonObject { ["version"] = stored.Version }, ct);
                    return TypedResults.Created($"/api/v1/workflows/{stored.Name}/{stored.Version}", Describe(stored));
                }
                catch (WorkflowDefinitionException e)
                {
                    return TypedResults.Problem(
                        "The definition has errors:\n" + string.Join("\n", e.Errors), statusCode: StatusCodes.Status400BadRequest, title: "Invalid workflow",
                        extensions: new Dictionary<string, object?> { ["errors"] = e.Errors.Select(x => new { line = x.Position.Line, column = x.Position.Column, message = x.Message }).ToArray() });
                }
                catch (WorkflowVersionConflictException e)
                {
                    return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
                }
            })
            .Requires(Actions.ManageWorkflows);
        workflows.MapGet("/", async (WorkflowStore store, CancellationToken ct) =>
                TypedResults.Ok((await store.ListVersionsAsync(ct)).GroupBy(v => v.Name).Select(g => new { name = g.Key, latest = g.Max(v => v.Version), versions = g.Select(v => v.Version).ToArray() })))
            .Requires(Actions.ManageWorkflows);
        workflows.MapGet("/{name}", (string name, WorkflowStore store, CancellationToken ct) => ShowAsync(store, name, null, ct)).Requires(Actions.ManageWorkflows);
        workflows.MapGet("/{name}/{version:int}", (string name, int version, WorkflowStore store, CancellationToken ct) => ShowAsync(store, name, version, ct)).Requires(Actions.ManageWorkflows);

        var runs = api.MapGroup("/runs");
        runs.MapPost("/", async Task<IResult> (StartRunRequest request, HttpContext http, WorkflowEngine engine, CancellationToken ct) =>
            {
                try
                {
                    var run = await engine.StartAsync(request.Workflow, request.Version, request.Inputs, http.User.ToAccessPrincipal(), cancellationToken: ct);
                    return TypedResults.Created($"/api/v1/runs/{run.Run.Id}", Describe(run));
                }
                catch (WorkflowRunException e)
                {
                    return AdminApi.BadRequest(e.Message);
                }
            })
            .Requires(Actions.RunWorkflows);
        runs.MapGet("/", ListRunsAsync).Requires(Actions.RunWorkflows);
        runs.MapGet("/{id}", async Task<IResult> (string id, HttpContext http, WorkflowStore store, CancellationToken ct) =>
                await store.GetRunAsync(id, Owner(http), ct) is { } run ? TypedResults.Ok(Describe(run)) : NoSuchRun(id))
            .Requires(Actions.RunWorkflows);
        runs.MapPost("/{id}/cancel", async Task<IResult> (string id, HttpContext http, WorkflowEngine engine, CancellationToken ct) =>
            {
                if (await engine.CancelAsync(id, Owner(http), ct) is not { } run)
                {
                    return NoSuchRun(id);
                }

                await AdminApi.RecordChangeAsync(http, "runs.cancel", id, new JsonObject { ["workflow"] = run.Run.Workflow }, ct);
                return TypedResults.Ok(Describe(run));
            })
            .Requires(Actions.RunWorkflows);
        runs.MapPost("/{id}/approvals", async Task<IResult> (string id, ApprovalRequest request, HttpContext http, WorkflowEngine engine, CancellationToken ct) =>
            {
                // Both are required: a missing step is no step, and a missing decision must not read as a rejection.
                if (string.IsNullOrEmpty(request.Step) || request.Approved is not { } approved)
                {
                    return AdminApi.BadRequest("Send the decision as {\"step\": \"<the approval step's id>\", \"approved\": true or false, \"comment\": \"…\"}; 'step' and 'approved' are required.");
                }

                try
                {
                    if (await engine.DecideApprovalAsync(id, Owner(http), request.Step, approved, request.Comment, ct) is not { } run)
                    {
                        return NoSuchRun(id);
                    }

                    await AdminApi.RecordChangeAsync(http, approved ? "runs.approve" : "runs.reject", id, new JsonObject { ["step"] = request.Step, ["comment"] = request.Comment }, ct);
                    return TypedResults.Ok(Describe(run));
                }
                catch (WorkflowRunException e)
                {
                    return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
                }
            })
            .Requires(Actions.RunWorkflows);
        runs.MapGet("/{id}/events", EventsAsync).Requires(Actions.RunWorkflows);
        runs.MapPost("/{id}/events", async Task<IResult> (string id, RunEventRequest request, HttpContext http, WorkflowEngine engine, CancellationToken ct) =>
            {
                if (string.IsNullOrEmpty(request.Event))
                {
                    return AdminApi.BadRequest("Send the event as {\"event\": \"<name>\", \"data\": <any JSON>}.");
                }

                try
                {
                    return await engine.DeliverEventAsync(id, Owner(http), request.Event, request.Data, ct) is { } run ? TypedResults.Ok(Describe(run)) : NoSuchRun(id);
                }
                catch (WorkflowRunException e)
                {
                    return TypedResults.Problem(e.Message, statusCode: StatusCodes.Status409Conflict, title: "Conflict");
                }
            })
            .Requires(Actions.RunWorkflows);
    }

    // One page of the caller's runs, newest first, paged as /api/v1/audit is: 'next' is the 'after' of the next page.
    // Without inputs, which can be megabytes a run; GET /runs/{id} has them.
    private static async Task<IResult> ListRunsAsync(HttpContext http, WorkflowStore store, CancellationToken ct, string? after = null, int limit = DefaultPageSize)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return AdminApi.BadRequest($"'limit' must be between 1 and {MaxPageSize}.");
        }

        if (after is not null && await store.GetRunAsync(after, Owner(http), ct) is null)
        {
            return AdminApi.BadRequest($"'after' must be the id of one of your runs (a page's 'next'); there is no run '{after}'.");
        }

        var page = await store.ListRunsAsync(Owner(http), limit, after, ct);
        return TypedResults.Ok(new JsonObject
        {
            ["runs"] = new JsonArray([.. page.Select(r => (JsonNode)Summary(r))]),
            ["next"] = page.Count == limit ? page[^1].Id : null,
        });
    }

    // Server-sent events: every state change of the run and its steps, from the start (or after Last-Event-ID), until
    // the run has finished. Events are rows, so any replica serves them and a reconnecting client misses nothing.
    private static async Task<IResult> EventsAsync(string id, HttpContext http, WorkflowStore store, TimeProvider time, CancellationToken ct)
    {
        if (await store.GetRunAsync(id, Owner(http), ct) is null)
        {
            return NoSuchRun(id);
        }

        long after = long.TryParse(http.Request.Headers["Last-Event-ID"], out long last) ? last : 0;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        while (!ct.IsCancellationRequested)
        {
            foreach (var e in await store.EventsAsync(id, after, ct))
            {
                var data = new JsonObject { ["step"] = e.Step, ["state"] = e.State, ["detail"] = e.Detail, ["at"] = e.At };
                await http.Response.WriteAsync($"id: {e.Id}\nevent: {(e.Step is null ? "run" : "step")}\ndata: {data.ToJsonString()}\n\n", ct);
                after = e.Id;
            }

            await http.Response.Body.FlushAsync(ct);
            if ((await store.GetRunAsync(id, null, ct))?.Run.IsTerminal != false && (await store.EventsAsync(id, after, ct)).Count == 0)
            {
                break;
            }

            await Task.Delay(EventPoll, time, ct);
        }

        return TypedResults.Empty;
    }

    // Custom agents are stored as the workflows agent-{name}, the Director's as director and director-…: only the agents
    // API and the Director write them, so admin:workflows cannot replace what admin:agents declared.
    private static string? ReservedName(string name) =>
        name.StartsWith(AgentCatalog.WorkflowPrefix, StringComparison.Ordinal)
            ? $"the name '{name}' is reserved: custom agents are stored as the workflows '{AgentCatalog.WorkflowPrefix}{{name}}'; declare an agent through /api/v1/agents"
            : name == DirectorRuns.Workflow || name.StartsWith(DirectorRuns.Workflow + "-", StringComparison.Ordinal)
                ? $"the name '{name}' is reserved for the Director's workflows; start the Director through /api/v1/director/runs"
                : null;

    private static string Owner(HttpContext http) => http.User.PrincipalId() ?? string.Empty;

    private static async Task<IResult> ShowAsync(WorkflowStore store, string name, int? version, CancellationToken ct) =>
        await store.GetVersionAsync(name, version, ct) is { } stored
            ? TypedResults.Ok(Describe(stored))
            : AdminApi.NotFound(version is null ? $"There is no workflow '{name}'." : $"The workflow '{name}' has no version {version}.");

    private static IResult NoSuchRun(string id) => AdminApi.NotFound($"There is no run '{id}'.");

    private static JsonObject Describe(WorkflowVersion v) => new()
    {
        ["name"] = v.Name,
        ["version"] = v.Version,
        ["createdBy"] = v.CreatedBy,
        ["createdAt"] = v.CreatedAt,
        ["source"] = v.Source.Length > 0 ? v.Source : null,
    };

    private static JsonObject Summary(WorkflowRun r) => new()
    {
        ["id"] = r.Id,
        ["workflow"] = r.Workflow,
        ["version"] = r.Version,
        ["state"] = WorkflowStore.Name(r.State),
        ["error"] = r.Error,
        ["createdAt"] = r.CreatedAt,
        ["finishedAt"] = r.FinishedAt,
    };

    private static JsonObject Describe(RunSnapshot s)
    {
        var run = Summary(s.Run);
        run["inputs"] = JsonNode.Parse(s.Run.Inputs);
        run["steps"] = new JsonArray([.. s.Steps.Select(step => (JsonNode)new JsonObject
        {
            ["key"] = step.Key,
            ["step"] = step.Step,
            ["state"] = WorkflowStore.Name(step.State),
            ["attempt"] = step.Attempt,
            ["input"] = step.Input is null ? null : JsonNode.Parse(step.Input),
            ["output"] = step.Output is null ? null : JsonNode.Parse(step.Output),
            ["error"] = step.Error,
            ["startedAt"] = step.StartedAt,
            ["finishedAt"] = step.FinishedAt,
        })]);
        return run;
    }
}
