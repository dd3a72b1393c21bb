using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Switchboard.Agents.Diagnostics;
using Switchboard.Agents.Mcp;
using Switchboard.Access;
using Switchboard.Agents.VonNeumann;
using Switchboard.Policy;
using Switchboard.Workflows.Definitions;
using Switchboard.Workflows.Engine;

namespace Switchboard.Agents.Runtime;

/// <summary>
/// Runs an <c>agent</c> step: model turn, then the tool calls it asks for, then the next turn, until the model answers
/// or a budget is spent. Each model turn and each tool call is saved in the step's state before the next begins, so a
/// worker that takes over after a crash goes on from the last completed one (a call in flight at the crash may be made
/// again: at-least-once, like a tool step). Tools are the gateway's, offered and called as the run's principal
/// (<see cref="AgentToolbox"/>); a destructive one waits for an approval through the workflow approval API.
/// </summary>
public sealed class AgentStepExecutor(IAgentModels models, AgentToolbox toolbox, VonNeumannNode replicas, AccessGuard guard, TimeProvider time, ILogger<AgentStepExecutor> logger) : IStepExecutor
{
    /// <inheritdoc />
    public string Kind => StepKinds.Agent;

    /// <inheritdoc />
    /// <remarks>An agent with <c>replicate</c> is a Von Neumann agent: <see cref="VonNeumannNode"/> splits its work among copies, and runs this loop on a part.</remarks>
    public Task<StepResult> ExecuteAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);

        // Whoever starts it (the agents API, agents__{name}, a run of the workflow agent-{name}, or a workflow of their
        // own with an agent step) needs agents:run, as for the Director's step: workflows:run alone runs no agent. The
        // scope is the agent's name (a custom agent's, as the agents API checks it), else the step's id.
        var principal = new AccessPrincipal(context.Job.PrincipalId, new RoleSet(context.Job.PrincipalRoles));
        string agent = (string?)context.Step.Agent?["name"] ?? context.Step.Id;
        if (!guard.Allows(principal, Actions.RunAgents, $"{AgentsServer.Name}/{agent}"))
        {
            AgentDiagnostics.RecordStep("failed");
            return Task.FromResult<StepResult>(new StepResult.Failed($"Permission denied: {principal.Id} may not run agents ({Actions.RunAgents})."));
        }

        return context.Step.Agent?["replicate"] is not null ? replicas.ExecuteAsync(context, RunLoopAsync, cancellationToken) : RunLoopAsync(context, cancellationToken);
    }

    private async Task<StepResult> RunLoopAsync(StepContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var spec = AgentSpec.FromJson(context.Step.Agent!);
        AgentModel model;
        try
        {
            model = models.Resolve(spec.Provider, spec.Model);
        }
        catch (AgentModelException e)
        {
            AgentDiagnostics.RecordStep("failed");
            return new StepResult.Failed(e.Message);
        }

        string run = context.IdempotencyKey; // <run>:<step>, for the logs
        using var activity = AgentDiagnostics.ActivitySource.StartActivity($"invoke_agent {context.Step.Id}");
        activity?.SetTag("gen_ai.operation.name", "invoke_agent");
        activity?.SetTag("gen_ai.agent.name", context.Step.Id);
        activity?.SetTag("gen_ai.provider.name", model.Provider);
        activity?.SetTag("gen_ai.request.model", model.Model);

        var offered = toolbox.Offered(context.Principal, spec.Tools);
        var checkpoint = AgentCheckpoint.FromState(context.State);
        if (checkpoint is null)
        {
            checkpoint = AgentCheckpoint.Start(spec.Instructions, context.Input, time.GetUtcNow());
        }
        else
        {
            Log.Resumed(logger, run, checkpoint.Usage.Turns, checkpoint.Usage.ToolCalls);
        }

        var options = new ChatOptions
        {
            ModelId = model.Model,
            Tools = [.. offered.Values.Select(t => t.Declaration)],
            ResponseFormat = spec.OutputSchema is { } schema ? ChatResponseFormat.ForJsonSchema(JsonSerializer.SerializeToElement(schema, AgentsJson.Default.JsonObject), "answer") : null,
        };

        // The wall time budget bounds everything, a model call that hangs included.
        var remaining = spec.Budget.WallTime - (time.GetUtcNow() - checkpoint.StartedAt);
        using var wall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wall.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        try
        {
            return await LoopAsync(context, spec, model, offered, options, checkpoint, run, wall.Token);
        }
        catch (OperationCanceledException) when (wall.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return Stop(context, checkpoint, run, $"the wall time budget ({spec.Budget.WallTime}) is spent");
        }
    }

    private async Task<StepResult> LoopAsync(StepContext context, AgentSpec spec, AgentModel model, IReadOnlyDictionary<string, AgentTool> offered, ChatOptions options, AgentCheckpoint checkpoint, string run, CancellationToken cancellationToken)
    {
        while (true)
        {
            foreach (var call in checkpoint.PendingCalls())
            {
                if (spec.Budget.Exhausted(checkpoint.Usage, Elapsed(checkpoint)) is { } spent)
                {
                    return Stop(context, checkpoint, run, spent);
                }

                var waiting = await CallToolAsync(context, spec, offered, checkpoint, call, run, cancellationToken);
                if (waiting is not null)
                {
                    return waiting;
                }

                if (!await context.SaveStateAsync(checkpoint.ToState(), cancellationToken))
                {
                    return Abandoned();
                }
            }

            if (spec.Budget.Exhausted(checkpoint.Usage, Elapsed(checkpoint)) is { } exhausted)
            {
                return Stop(context, checkpoint, run, exhausted);
            }

            ChatResponse response;
            try
            {
                response = await ChatAsync(model, checkpoint, options, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The provider layer has retried what is worth retrying; the step's own retry policy decides the rest.
                Log.ModelFailed(logger, run, e.Message);
                AgentDiagnostics.RecordStep("failed");
                return new StepResult.Failed($"the model call failed: {e.Message}");
            }

            checkpoint.Messages.AddRange(response.Messages);
            long tokensIn = response.Usage?.InputTokenCount ?? 0, tokensOut = response.Usage?.OutputTokenCount ?? 0;
            var before = checkpoint.Usage.Cost;
            checkpoint.Usage = checkpoint.Usage.AddTurn(tokensIn, tokensOut, model.Prices);
            AgentDiagnostics.RecordTurn(model.Provider, model.Model, tokensIn, tokensOut, checkpoint.Usage.Cost - before);
            if (!await context.SaveStateAsync(checkpoint.ToState(), cancellationToken))
            {
                return Abandoned();
            }

            if (checkpoint.PendingCalls().Count == 0)
            {
                // A declared output schema is checked on the final answer: the model may answer again once, told
                // what is wrong; a second answer that does not match fails the step with the reason.
                if (spec.OutputSchema is { } schema && OutputSchema.Problem(schema, checkpoint.LastAnswer()) is { } problem)
                {
                    if (checkpoint.Messages.Skip(2).Any(m => m.Role == ChatRole.User))
                    {
                        Log.AnswerRejected(logger, run, problem);
                        AgentDiagnostics.RecordStep("failed");
                        return new StepResult.Failed($"the agent's answer was refused: {problem}");
                    }

                    checkpoint.Messages.Add(new ChatMessage(ChatRole.User, $"Your answer was refused: {problem}. Answer again with JSON only, matching the output schema."));
                    if (!await context.SaveStateAsync(checkpoint.ToState(), cancellationToken))
                    {
                        return Abandoned();
                    }

                    continue;
                }

                AgentDiagnostics.RecordStep("answered");
                return new StepResult.Succeeded(Output(spec, checkpoint, stopped: null));
            }
        }
    }

    // The provider layer's client makes the model call's span (gen_ai chat) and its token-usage metrics.
    private static Task<ChatResponse> ChatAsync(AgentModel model, AgentCheckpoint checkpoint, ChatOptions options, CancellationToken cancellationToken) =>
        model.Client.GetResponseAsync(checkpoint.Messages, options, cancellationToken);

    // One call the model asked for: refused when the agent was not offered the tool, held for approval when it is
    // destructive and not yet approved, else made as the principal. Returns the step's result when it must stop here.
    private async Task<StepResult?> CallToolAsync(StepContext context, AgentSpec spec, IReadOnlyDictionary<string, AgentTool> offered, AgentCheckpoint checkpoint, FunctionCallContent call, string run, CancellationToken cancellationToken)
    {
        using var span = AgentDiagnostics.ActivitySource.StartActivity($"execute_tool {call.Name}");
        span?.SetTag("gen_ai.operation.name", "execute_tool");
        span?.SetTag("gen_ai.tool.name", call.Name);
        span?.SetTag("gen_ai.tool.call.id", call.CallId);
        if (!offered.TryGetValue(call.Name, out var tool))
        {
            string target = Target(call.Name);
            var refused = (AgentToolOutcome.Answered)await toolbox.RefuseAsync(context.Job.PrincipalId, target, $"the agent '{context.Step.Id}' may not call '{target}' (its tools: {string.Join(", ", spec.Tools.DefaultIfEmpty("none"))}, within what its principal may call)", cancellationToken);
            return Record(checkpoint, call, target, refused, "denied");
        }

        if (tool.Destructive)
        {
            if (checkpoint.WaitingFor != call.CallId || checkpoint.Decision is not { } decision)
            {
                checkpoint.WaitingFor = call.CallId;
                checkpoint.Decision = null;
                if (!await context.SaveStateAsync(checkpoint.ToState(), cancellationToken))
                {
                    return Abandoned();
                }

                Log.WaitingForApproval(logger, run, tool.Target);
                AgentDiagnostics.RecordStep("waiting");
                return new StepResult.Waiting { Timeout = spec.ApprovalTimeout, For = call.CallId };
            }

            checkpoint.WaitingFor = null;
            checkpoint.Decision = null;
            bool approved = decision["approved"]?.GetValue<bool>() == true;
            string? by = decision["by"]?.GetValue<string>();
            string? comment = decision["comment"]?.GetValue<string>();
            await toolbox.AuditApprovalAsync(by ?? context.Job.PrincipalId, tool.Target, approved ? "approved" : by is null ? "timed-out" : "rejected", comment, cancellationToken);
            if (!approved)
            {
                string why = by is null ? "nobody approved it before the approval's timeout" : $"{by} rejected it" + (comment is null ? string.Empty : $": {comment}");
                return Record(checkpoint, call, tool.Target, new AgentToolOutcome.Answered(true, $"Refused: the destructive tool '{tool.Target}' needs a human's approval, and {why}."), "denied");
            }
        }

        var arguments = call.Arguments is null ? new JsonObject() : JsonSerializer.SerializeToNode(call.Arguments, AgentsJson.Default.IDictionaryStringObject) as JsonObject ?? [];
        var outcome = await toolbox.CallAsync(context.Job, context.Credential, tool, arguments, cancellationToken);
        if (outcome is AgentToolOutcome.Deferred deferred)
        {
            AgentDiagnostics.RecordToolCall("deferred");
            return new StepResult.Deferred(deferred.Reason, deferred.After);
        }

        if (outcome is AgentToolOutcome.Stopped stopped)
        {
            AgentDiagnostics.RecordToolCall("denied");
            AgentDiagnostics.RecordStep("failed");
            return new StepResult.Failed(stopped.Reason);
        }

        var answered = (AgentToolOutcome.Answered)outcome;
        return Record(checkpoint, call, tool.Target, answered, answered.IsError ? "error" : "ok");
    }

    private static StepResult? Record(AgentCheckpoint checkpoint, FunctionCallContent call, string target, AgentToolOutcome.Answered answered, string outcome)
    {
        checkpoint.AddResult(call, target, answered.IsError, answered.Content);
        checkpoint.Usage = checkpoint.Usage with { ToolCalls = checkpoint.Usage.ToolCalls + 1 };
        AgentDiagnostics.RecordToolCall(outcome);
        return null;
    }

    private StepResult Stop(StepContext context, AgentCheckpoint checkpoint, string run, string reason)
    {
        Log.BudgetSpent(logger, run, reason);
        AgentDiagnostics.RecordStep("budget");
        return new StepResult.Succeeded(Output(null, checkpoint, reason));
    }

    // The step's output: the answer (JSON when an output schema asks for it and the answer parses), why it stopped
    // early (null when it answered), and what it spent.
    private static JsonObject Output(AgentSpec? spec, AgentCheckpoint checkpoint, string? stopped)
    {
        string? text = checkpoint.LastAnswer();
        JsonNode? answer = text;
        if (spec?.OutputSchema is not null && text is not null)
        {
            try
            {
                answer = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                answer = text;
            }
        }

        return new JsonObject { ["answer"] = answer, ["stopped"] = stopped, ["usage"] = checkpoint.Usage.ToJson() };
    }

    // The run no longer runs this attempt (cancelled, or taken over): whatever is returned is discarded.
    private static StepResult.Failed Abandoned() => new("the step is no longer running in this attempt");

    private TimeSpan Elapsed(AgentCheckpoint checkpoint) => time.GetUtcNow() - checkpoint.StartedAt;

    private static string Target(string functionName)
    {
        int separator = functionName.IndexOf("__", StringComparison.Ordinal);
        return separator > 0 ? $"{functionName[..separator]}/{functionName[(separator + 2)..]}" : functionName;
    }
}
