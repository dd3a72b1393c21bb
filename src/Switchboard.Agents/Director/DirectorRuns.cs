using System.Text.Json.Nodes;
using Switchboard.Access;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Engine;

namespace Switchboard.Agents.Director;

/// <summary>
/// Starts Director runs for REST (<c>POST /api/v1/director/runs</c>) and MCP (<c>agents__director</c>): a run of the
/// one-step workflow <see cref="Workflow"/> owned by the caller, so status, events and cancel are the runs API's.
/// </summary>
public sealed class DirectorRuns(WorkflowEngine engine, WorkflowStore store)
{
    /// <summary>The workflow that holds Director runs (its plans are the <c>director-…</c> workflows).</summary>
    public const string Workflow = "director";

    /// <summary>The step whose output is the Director's result.</summary>
    public const string Step = "director";

    private const string Source = """
        name: director
        description: The Director (docs/agents.md). Start it with POST /api/v1/director/runs or the MCP tool agents__director.
        inputs: { request: { required: true } }
        steps:
          - id: director
            director: {}
            arguments: { request: "${{ inputs.request }}" }
        """;

    /// <summary>
    /// Starts the Director on <paramref name="request"/> as <paramref name="principal"/>; with <paramref name="runId"/>,
    /// the run of that id if it was started already. Throws <see cref="WorkflowRunException"/>.
    /// </summary>
    public async Task<RunSnapshot> StartAsync(DirectorRequest request, AccessPrincipal principal, string? runId = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        int version = await EnsureStoredAsync(principal.Id, cancellationToken);
        return await engine.StartAsync(Workflow, version, new JsonObject { ["request"] = request.ToJson() }, principal, runId, cancellationToken);
    }

    // The workflow is stored the first time it is needed, and again only when this build's definition differs.
    private async Task<int> EnsureStoredAsync(string principalId, CancellationToken cancellationToken)
    {
        if (await store.GetVersionAsync(Workflow, null, cancellationToken) is { } latest && latest.Source == Source)
        {
            return latest.Version;
        }

        try
        {
            return (await engine.AddAsync(Source, principalId, cancellationToken)).Version;
        }
        catch (WorkflowVersionConflictException)
        {
            // Another replica stored it at the same moment.
            return (await store.GetVersionAsync(Workflow, null, cancellationToken))!.Version;
        }
    }
}
