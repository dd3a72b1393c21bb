using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Switchboard.Access;
using Switchboard.Policy;
using Switchboard.Registry;
using Switchboard.Storage.Queue;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Definitions;
using Switchboard.Workflows.Queue;
using Switchboard.Workflows.Tasks;

namespace Switchboard.Workflows.Engine;

/// <summary>What one step attempt is given: the run's job (its principal), the step, its key and rendered input.</summary>
/// <param name="Job">The queue job running the attempt; it carries the run's principal and roles.</param>
/// <param name="Step">The declared step.</param>
/// <param name="IdempotencyKey">The same for every attempt of this step execution: <c>{run}:{key}</c>.</param>
/// <param name="Input">The step's input with every expression evaluated (a tool's arguments).</param>
public sealed record StepContext(Job Job, StepDefinition Step, string IdempotencyKey, JsonNode? Input)
{
    /// <summary>
    /// What an earlier turn or attempt of this step execution saved with <see cref="SaveStateAsync"/> (an agent's
    /// conversation), with the <c>decision</c> of an approval it waited for; null the first time.
    /// </summary>
    public JsonNode? State { get; init; }

    /// <summary>
    /// Saves <see cref="State"/> for the next turn, attempt or a worker that takes over after a crash, committed before
    /// it returns. False when the step execution is no longer this attempt (the run was cancelled, or the attempt was
    /// taken over): the executor should stop, since nothing it does now is recorded.
    /// </summary>
    public Func<JsonNode, CancellationToken, Task<bool>> SaveStateAsync { get; init; } = static (_, _) => Task.FromResult(true);

    /// <summary>
    /// The key that started the run (<see cref="WorkflowRun.Credential"/>); null when none did. Every tool call the step
    /// makes carries it (<see cref="ToolCallPayload.Credential"/>), and is refused once that key is revoked or expires.
    /// </summary>
    public string? Credential { get; init; }

    /// <summary>The run's principal as the access path sees it: the job's principal and roles, and <see cref="Credential"/>.</summary>
    public AccessPrincipal Principal => new(Job.PrincipalId, new RoleSet(Job.PrincipalRoles)) { Credential = Credential };
}

/// <summary>How a step attempt ended.</summary>
public abstract record StepResult
{
    /// <summary>Done, with an output later steps can read.</summary>
    public sealed record Succeeded(JsonNode? Output) : StepResult;

    /// <summary>This attempt failed; retried while the step's policy allows.</summary>
    public sealed record Failed(string Error) : StepResult;

    /// <summary>Refused for now (a rate limit): not an attempt; the same attempt runs again after <paramref name="After"/>.</summary>
    public sealed record Deferred(string Reason, TimeSpan After) : StepResult;

    /// <summary>
    /// Waits for something outside the run (an approval). A step other than an approval step is run again, with the
    /// decision in its state's <c>decision</c>, when <c>POST /api/v1/runs/{id}/approvals</c> decides or after
    /// <see cref="Timeout"/> (a rejection); its saved state's <c>waitingFor</c> must equal <see cref="For"/>.
    /// </summary>
    public sealed record Waiting : StepResult
    {
        /// <summary>How long to wait for a decision; the step's <c>timeout</c> when null.</summary>
        public TimeSpan? Timeout { get; init; }

        /// <summary>What the step waits for (a tool call's id): a timeout applies only while it still waits for that.</summary>
        public string? For { get; init; }
    }
}

/// <summary>
/// Runs one kind of step. The seam for new kinds (agents, issue 16): register another executor for its
/// <see cref="StepKinds"/> name. An attempt may run more than once (at-least-once).
/// </summary>
public interface IStepExecutor
{
    /// <summary>The step kind it runs.</summary>
    string Kind { get; }

    /// <summary>Runs one attempt.</summary>
    Task<StepResult> ExecuteAsync(StepContext context, CancellationToken cancellationToken);
}

/// <summary>
/// A tool step: the call goes through <see cref="ToolCallJobHandler"/>, the path a queued tool call takes, so policy,
/// rate limits and audit apply as the run's principal. A tool whose input schema has an <c>idempotencyKey</c>
/// property gets the step's key there unless the step sets it.
/// </summary>
public sealed class ToolStepExecutor(ToolCallJobHandler tools, McpServerRegistry registry) : IStepExecutor
{
    /// <summary>The argument a tool declares to receive the step's idempotency key.</summary>
    public const string IdempotencyArgument = "idempotencyKey";

    /// <inheritdoc />
    public string Kind => StepKinds.Tool;

    /// <inheritdoc />
    public async Task<StepResult> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        string[] parts = context.Step.Tool!.Split('/', 2);
        var arguments = context.Input as JsonObject ?? [];
        if (AcceptsIdempotencyKey(parts[0], parts[1]) && !arguments.ContainsKey(IdempotencyArgument))
        {
            arguments[IdempotencyArgument] = context.IdempotencyKey;
        }

        var payload = JsonSerializer.Serialize(new ToolCallPayload(parts[0], parts[1], arguments) { Credential = context.Credential }, WorkflowsJson.Default.ToolCallPayload);
        var call = context.Job with { Kind = ToolCallJobHandler.JobKind, Payload = payload, InputRequests = null, InputResponses = null };
        var outcome = await tools.CallAsync(call, cancellationToken);
        return outcome switch
        {
            JobOutcome.Completed completed => Read(JsonSerializer.Deserialize<CallToolResult>(completed.Result, McpJsonUtilities.DefaultOptions)!),
            JobOutcome.Failed failed => new StepResult.Failed(JsonNode.Parse(failed.Error)?["message"]?.GetValue<string>() ?? failed.Error),
            JobOutcome.Retry { After: { } after } limited => new StepResult.Deferred(limited.Reason, after),
            JobOutcome.Retry retry => new StepResult.Failed(retry.Reason),
            _ => new StepResult.Failed($"the tool '{context.Step.Tool}' asked for input, which a workflow step cannot give"),
        };
    }

    private bool AcceptsIdempotencyKey(string server, string tool) =>
        registry.TryGetServerView(server, out var view) && view.Tools.TryGetPrimitive(tool, out var primitive)
        && primitive.ProtocolTool.InputSchema.TryGetProperty("properties", out var properties) && properties.TryGetProperty(IdempotencyArgument, out _);

    // The output later steps read: structured content when the tool gives it; else its text, as JSON when it is JSON.
    private static StepResult Read(CallToolResult result)
    {
        string text = string.Join("\n", result.Content.OfType<TextContentBlock>().Select(t => t.Text));
        if (result.IsError == true)
        {
            return new StepResult.Failed(text.Length > 0 ? text : "the tool reported an error");
        }

        if (result.StructuredContent is { } structured)
        {
            return new StepResult.Succeeded(JsonSerializer.SerializeToNode(structured, McpJsonUtilities.DefaultOptions));
        }

        try
        {
            return new StepResult.Succeeded(JsonNode.Parse(text));
        }
        catch (JsonException)
        {
            return new StepResult.Succeeded(JsonValue.Create(text));
        }
    }
}

/// <summary>
/// A wait step. For a duration, its job was scheduled at the end of it, so running it is the end of the wait. For an
/// event, it waits until <see cref="WorkflowEngine.DeliverEventAsync"/> completes it (an event delivered earlier is
/// kept on the step's row and completes it as soon as it waits).
/// </summary>
public sealed class WaitStepExecutor(TimeProvider time) : IStepExecutor
{
    /// <inheritdoc />
    public string Kind => StepKinds.Wait;

    /// <inheritdoc />
    public Task<StepResult> ExecuteAsync(StepContext context, CancellationToken cancellationToken) =>
        Task.FromResult<StepResult>(context?.Step.Event is not null
            ? new StepResult.Waiting()
            : new StepResult.Succeeded(new JsonObject { ["waitedUntil"] = time.GetUtcNow().ToString("O") }));
}

/// <summary>An approval step waits until <c>POST /api/v1/runs/{id}/approvals</c> approves or rejects it (or its timeout).</summary>
public sealed class ApprovalStepExecutor : IStepExecutor
{
    /// <inheritdoc />
    public string Kind => StepKinds.Approval;

    /// <inheritdoc />
    public Task<StepResult> ExecuteAsync(StepContext context, CancellationToken cancellationToken) =>
        Task.FromResult<StepResult>(new StepResult.Waiting());
}
