using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Access.Identity;
using Switchboard.Registry;
using Switchboard.Storage.Workflows;
using Switchboard.Tools;
using Switchboard.Workflows.Engine;
using Switchboard.Workflows.Tasks;

namespace Switchboard.Workflows.Mcp;

/// <summary>
/// The built-in <c>workflows</c> server: one tool, <c>run</c> (<c>workflows__run</c> on <c>/mcp</c>), that runs a
/// stored workflow as an MCP task and answers when the run has finished.
/// </summary>
public static class WorkflowsServer
{
    /// <summary>The server's registry name.</summary>
    public const string Name = "workflows";

    /// <summary>Creates the catalog.</summary>
    public static McpServerCatalog CreateCatalog() =>
        new McpServerCatalog(Name, "Runs stored workflows (docs/workflows.md) as MCP tasks.").AddPrimitivesFrom(typeof(WorkflowsTools), target: null);
}

[McpServerToolType]
internal static class WorkflowsTools
{
    [McpServerTool(Name = "run"), TaskSupport(TaskSupport.Required)]
    [Description("Runs a stored workflow with the given inputs. Runs only as a task: poll the task; when the run has finished the result holds the run's id, its state (completed, failed or cancelled), its error, and each step's state and output. The run belongs to you; approvals it waits for are given through the REST API (POST /api/v1/runs/{runId}/approvals).")]
    public static async Task<CallToolResult> Run(
        RequestContext<CallToolRequestParams> context,
        [Description("The workflow's name.")] string workflow,
        [Description("The workflow's inputs, an object keyed by input name.")] JsonElement? inputs = null,
        [Description("A stored version; the latest when left out.")] int? version = null,
        CancellationToken cancellationToken = default)
    {
        var services = context.Services ?? throw new InvalidOperationException("The tool has no services.");
        var engine = services.GetRequiredService<WorkflowEngine>();
        var principal = context.User.ToAccessPrincipal();
        var given = inputs is { ValueKind: JsonValueKind.Object } i ? JsonNode.Parse(i.GetRawText()) as JsonObject : null;

        // The task's request (its job) names the run, so a job run again after its worker died finds the run it
        // started instead of starting a second one.
        RunSnapshot run;
        try
        {
            run = await engine.StartAsync(workflow, version, given, principal, TaskRuns.RunId(principal.Id, context.JsonRpcRequest.Id.ToString()), cancellationToken);
        }
        catch (WorkflowRunException e)
        {
            return Error(e.Message);
        }

        // The task stays "working" while the run goes on: its job waits for the run's end without holding a worker.
        return run.Run.IsTerminal ? TaskRuns.Result(run, step: null) : throw new RunPendingException(run.Run.Id, resultStep: null);
    }

    private static CallToolResult Error(string message) =>
        new() { IsError = true, Content = [new TextContentBlock { Text = message }] };
}
