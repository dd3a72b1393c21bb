using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Agents.Custom;
using Switchboard.Agents.Runtime;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Engine;

namespace Switchboard.Agents.VonNeumann;

/// <summary>
/// Runs a Von Neumann agent's step (an agent with <c>replicate</c>, docs/agents.md). A run whose bounds leave room
/// splits its items into parts and starts a copy of itself per part — a run of the same agent version, as the same
/// principal, queued like any run, so any worker may take it — then waits for them and merges their results. A run
/// that may not split (its depth, its copies, or few enough items) is a leaf: the agent's own loop works on its part
/// within the part's share of the budget. Copies have ids derived from their parent's and their index, and the split
/// is a function of the input, so a parent's job that runs twice starts nothing twice and merges each part once.
/// </summary>
public sealed partial class VonNeumannNode(WorkflowEngine engine, WorkflowStore store, IOptions<VonNeumannOptions> options, TimeProvider time, ILogger<VonNeumannNode> logger)
{
    /// <summary>Runs one attempt; <paramref name="runAgent"/> is the agent loop a leaf runs on its part.</summary>
    public async Task<StepResult> ExecuteAsync(StepContext context, Func<StepContext, CancellationToken, Task<StepResult>> runAgent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(runAgent);
        string runId = context.IdempotencyKey[..context.IdempotencyKey.IndexOf(':', StringComparison.Ordinal)];
        if (await store.GetRunAsync(runId, null, cancellationToken) is not { Run: var run })
        {
            return new StepResult.Failed($"the run {runId} is gone");
        }

        if (!run.Workflow.StartsWith(AgentCatalog.WorkflowPrefix, StringComparison.Ordinal))
        {
            return new StepResult.Failed("only a custom agent (POST /api/v1/agents) can replicate: its copies are runs of that agent");
        }

        var agent = context.Step.Agent!;
        var settings = ReplicaSettings.FromJson(agent["replicate"] as JsonObject);
        var allotment = run.Lineage is { } lineage
            ? Allotment.FromJson(lineage.Allotment)
            : Allotment.Root(AgentBudget.FromJson(agent["budget"] as JsonObject), settings.MaxCopies, run.CreatedAt);
        var node = new Node(run, run.Lineage?.Depth ?? 0, allotment);
        var input = context.Input is JsonObject { Count: 1 } wrapped && wrapped.ContainsKey("input") ? wrapped["input"] : context.Input;
        if (WorkItems.Parse(input, out string? error) is not { } work)
        {
            return new StepResult.Failed(error!);
        }

        int parts = settings.PartsFor(work.Count, node.Depth, allotment.Copies);
        return parts == 0
            ? await LeafAsync(context, node, work, runAgent, cancellationToken)
            : await SplitAsync(context, node, work, parts, cancellationToken);
    }

    private async Task<StepResult> LeafAsync(StepContext context, Node node, WorkItems work, Func<StepContext, CancellationToken, Task<StepResult>> runAgent, CancellationToken cancellationToken)
    {
        var startedAt = AgentCheckpoint.FromState(context.State)?.StartedAt ?? time.GetUtcNow();
        var agent = context.Step.Agent!.DeepClone().AsObject();
        agent["budget"] = node.Allotment.ToBudget(startedAt);
        var leaf = context with
        {
            Step = context.Step with { Agent = agent },
            Input = new JsonObject { ["input"] = work.ToJson().ToJsonString() }, // the part is the user's message, as JSON text
        };
        var result = await runAgent(leaf, cancellationToken);
        if (result is not StepResult.Succeeded { Output: JsonObject answered })
        {
            return result;
        }

        string? stopped = answered["stopped"]?.GetValue<string>();
        var part = new JsonObject
        {
            ["run"] = node.Run.Id,
            ["depth"] = node.Depth,
            ["offset"] = 0,
            ["count"] = work.Count,
            ["input"] = work.ToJson(),
            ["state"] = stopped is null ? "answered" : "stopped",
            ["answer"] = answered["answer"]?.DeepClone(),
            ["reason"] = stopped,
        };
        return new StepResult.Succeeded(Output([part], AgentUsage.FromJson(answered["usage"]), runs: 1, reason: null));
    }

    private async Task<StepResult> SplitAsync(StepContext context, Node node, WorkItems work, int parts, CancellationToken cancellationToken)
    {
        if (context.State?["copies"] is not JsonArray copies)
        {
            copies = await ReplicateAsync(node, work, parts, cancellationToken);
            // Waiting for copies: each that finishes wakes this step (WorkflowEngine.WakeParentAsync).
            var state = new JsonObject { ["copies"] = copies, ["waitingFor"] = RunScheduler.CopiesWait };
            if (!await context.SaveStateAsync(state, cancellationToken))
            {
                // Cancelled while its copies were starting: the cancellation may not have seen the last of them.
                if (await store.GetRunAsync(node.Run.Id, null, cancellationToken) is { Run.IsTerminal: true } gone)
                {
                    await engine.CancelDescendantsAsync(gone.Run, cancellationToken);
                }

                return new StepResult.Failed("the step is no longer running in this attempt");
            }
        }

        var reports = new List<(JsonObject Copy, RunSnapshot? Run)>();
        foreach (var copy in copies.Cast<JsonObject>())
        {
            reports.Add((copy, await store.GetRunAsync(copy["run"]!.GetValue<string>(), null, cancellationToken)));
        }

        int unfinished = reports.Count(r => r.Run is { Run.IsTerminal: false });
        if (unfinished == 0)
        {
            return new StepResult.Succeeded(Merge(context.Step.Id, node, reports, reason: null));
        }

        var left = node.Allotment.Deadline - time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            // Each copy that finishes wakes this step; the re-check covers a lost wake-up, the deadline a spent wall time.
            var next = left < options.Value.RecheckInterval ? left : options.Value.RecheckInterval;
            return new StepResult.Deferred($"waiting for {unfinished} of {copies.Count} copies", next);
        }

        // The tree's wall time is spent: the copies still at work are cancelled, what finished is the result.
        foreach (var (copy, _) in reports.Where(r => r.Run is { Run.IsTerminal: false }))
        {
            await engine.CancelCopyAsync(copy["run"]!.GetValue<string>(), "the wall time budget is spent", cancellationToken);
        }

        for (int i = 0; i < reports.Count; i++)
        {
            reports[i] = (reports[i].Copy, await store.GetRunAsync(reports[i].Copy["run"]!.GetValue<string>(), null, cancellationToken));
        }

        string reason = $"the wall time budget is spent (deadline {node.Allotment.Deadline:O}): {unfinished} of {copies.Count} copies were cancelled";
        LogDeadline(logger, node.Run.Id, unfinished);
        return new StepResult.Succeeded(Merge(context.Step.Id, node, reports, reason));
    }

    // Starts a copy per part, each with its share of this run's allotment. A copy's id is derived from this run's and
    // the part's index, so starting them again (this job ran twice) finds the ones started the first time.
    private async Task<JsonArray> ReplicateAsync(Node node, WorkItems work, int parts, CancellationToken cancellationToken)
    {
        var split = work.Split(parts);
        var shares = node.Allotment.Divide([.. split.Select(p => p.Part.Count)]);
        var copies = new JsonArray();
        for (int i = 0; i < split.Count; i++)
        {
            string copyId = CopyId(node.Run.Id, i);
            var lineage = new RunLineage(node.Run.Id, node.Run.Lineage?.RootRunId ?? node.Run.Id, node.Depth + 1, shares[i].ToJson().ToJsonString());
            await engine.StartChildAsync(node.Run, new JsonObject { ["input"] = split[i].Part.ToJson() }, copyId, lineage, cancellationToken);
            copies.Add(new JsonObject { ["run"] = copyId, ["offset"] = split[i].Offset, ["count"] = split[i].Part.Count });
        }

        LogReplicated(logger, node.Run.Id, node.Depth, split.Count, work.Count);
        return copies;
    }

    // The parts of every copy, in order, their offsets made this run's; a copy that did not complete is one part with
    // its whole input and why, so no item is dropped and none appears twice.
    private static JsonObject Merge(string step, Node node, List<(JsonObject Copy, RunSnapshot? Run)> reports, string? reason)
    {
        var parts = new List<JsonObject>();
        var usage = AgentUsage.None;
        int runs = 1;
        foreach (var (copy, snapshot) in reports)
        {
            int offset = copy["offset"]!.GetValue<int>();
            if (snapshot is { Run.State: RunState.Completed } done && done.Step(step)?.Output is { } text && JsonNode.Parse(text) is JsonObject output)
            {
                foreach (var part in output["parts"]!.AsArray().Cast<JsonObject>())
                {
                    var moved = part.DeepClone().AsObject();
                    moved["offset"] = part["offset"]!.GetValue<int>() + offset;
                    parts.Add(moved);
                }

                usage = Add(usage, AgentUsage.FromJson(output["usage"]));
                runs += output["runs"]!.GetValue<int>();
                continue;
            }

            runs++;
            parts.Add(new JsonObject
            {
                ["run"] = copy["run"]!.DeepClone(),
                ["depth"] = node.Depth + 1,
                ["offset"] = offset,
                ["count"] = copy["count"]!.DeepClone(),
                ["input"] = snapshot is null ? null : JsonNode.Parse(snapshot.Run.Inputs)?["input"]?.DeepClone(),
                ["state"] = snapshot is null ? "failed" : WorkflowStore.Name(snapshot.Run.State),
                ["answer"] = null,
                ["reason"] = snapshot?.Run.Error ?? "its run is missing",
            });
        }

        return Output(parts, usage, runs, reason);
    }

    // Every run's output: whether every part was answered, the first reason one was not, what the subtree spent, how
    // many runs reported, and the parts in the order of the items.
    private static JsonObject Output(List<JsonObject> parts, AgentUsage usage, int runs, string? reason)
    {
        var unanswered = parts.Where(p => p["state"]!.GetValue<string>() != "answered").ToList();
        string? stopped = reason ?? (unanswered.Count == 0 ? null
            : string.Create(CultureInfo.InvariantCulture, $"{unanswered.Count} of {parts.Count} parts were not answered; the first ({unanswered[0]["state"]}): {unanswered[0]["reason"]}"));
        return new JsonObject
        {
            ["complete"] = unanswered.Count == 0,
            ["stopped"] = stopped,
            ["usage"] = usage.ToJson(),
            ["runs"] = runs,
            ["parts"] = new JsonArray([.. parts]),
        };
    }

    private static AgentUsage Add(AgentUsage a, AgentUsage b) =>
        new(a.TokensIn + b.TokensIn, a.TokensOut + b.TokensOut, a.ToolCalls + b.ToolCalls, a.Cost + b.Cost, a.Turns + b.Turns);

    // 128 bits of SHA-256 over the parent's (random) id and the part's index: as unguessable as the parent's id.
    private static string CopyId(string parentId, int index) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{parentId}:copy:{index.ToString(CultureInfo.InvariantCulture)}")))[..32];

    [LoggerMessage(EventId = 7150, Level = LogLevel.Information, Message = "Von Neumann run {Run} at depth {Depth} started {Copies} copies over {Items} items.")]
    private static partial void LogReplicated(ILogger logger, string run, int depth, int copies, int items);

    [LoggerMessage(EventId = 7151, Level = LogLevel.Information, Message = "Von Neumann run {Run}: the wall time budget is spent; {Unfinished} copies cancelled.")]
    private static partial void LogDeadline(ILogger logger, string run, int unfinished);

    private sealed record Node(WorkflowRun Run, int Depth, Allotment Allotment);
}
