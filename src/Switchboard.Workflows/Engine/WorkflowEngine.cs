using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using Switchboard.Access;
using Switchboard.Policy;
using Switchboard.Registry;
using Switchboard.Storage.Queue;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Definitions;
using Switchboard.Workflows.Tasks;

namespace Switchboard.Workflows.Engine;

/// <summary>A run could not start: a bad input, or no such workflow.</summary>
public sealed class WorkflowRunException(string message) : Exception(message);

/// <summary>
/// The engine's front: stores definitions (validated against the registry), starts, cancels and approves runs.
/// Runs advance on the queue (<see cref="WorkflowJobHandler"/>): every decision about a run is made under its row's
/// lock and every ready step becomes a job, enqueued under an idempotency key so a repeated decision enqueues nothing
/// twice.
/// </summary>
public sealed class WorkflowEngine(WorkflowStore store, JobQueue queue, McpServerRegistry registry, IOptions<WorkflowsOptions> options)
{
    private readonly ConcurrentDictionary<(string, int), WorkflowDefinition> _definitions = new();

    /// <summary>The most items one <c>foreach</c> expands into (<c>Workflows:MaxForeachItems</c>).</summary>
    internal int MaxForeachItems => options.Value.MaxForeachItems;

    /// <summary>Validates and stores a definition; returns the stored version. Throws <see cref="WorkflowDefinitionException"/>.</summary>
    public Task<WorkflowVersion> AddAsync(string source, string createdBy, CancellationToken cancellationToken = default) =>
        AddAsync(source, createdBy, static _ => null, cancellationToken);

    /// <summary>
    /// Validates and stores a definition unless <paramref name="refuseName"/> gives a reason why its name is not this
    /// caller's to use (the names the engine's own parts store under); returns the stored version. Throws
    /// <see cref="WorkflowDefinitionException"/>.
    /// </summary>
    public async Task<WorkflowVersion> AddAsync(string source, string createdBy, Func<string, string?> refuseName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(refuseName);
        var definition = WorkflowValidator.ParseAndValidate(source, ToolExists);
        if (refuseName(definition.Name) is { } reason)
        {
            throw new WorkflowDefinitionException([new DefinitionError(definition.NamePosition, reason)]);
        }

        return await store.AddVersionAsync(definition.Name, definition.Version, source, createdBy, cancellationToken);
    }

    /// <summary>The parsed definition of a stored version (cached: a version never changes).</summary>
    public async Task<WorkflowDefinition?> DefinitionAsync(string name, int version, CancellationToken cancellationToken = default)
    {
        if (_definitions.TryGetValue((name, version), out var cached))
        {
            return cached;
        }

        if (await store.GetVersionAsync(name, version, cancellationToken) is not { } stored)
        {
            return null;
        }

        // Tools are checked when a definition is stored; one removed since then fails its step when it runs.
        return _definitions[(name, version)] = WorkflowValidator.ParseAndValidate(stored.Source, _ => true);
    }

    /// <summary>
    /// Starts a run of the latest (or the given) version as <paramref name="principal"/>: the run and its step rows are
    /// committed, then its first decision is queued. The run records the principal's <see cref="AccessPrincipal.Credential"/>:
    /// its tool calls are refused once that key is revoked or expires. With <paramref name="runId"/>, a run with that id that exists
    /// already is returned instead (a repeated start). Throws <see cref="WorkflowRunException"/> for a bad input.
    /// </summary>
    public Task<RunSnapshot> StartAsync(string workflow, int? version, JsonObject? inputs, AccessPrincipal principal, string? runId = null, CancellationToken cancellationToken = default) =>
        StartAsync(workflow, version, inputs, principal, runId, lineage: null, cancellationToken);

    /// <summary>
    /// Starts a run of <paramref name="parent"/>'s workflow and version, as its principal and with its credential
    /// (revoking the key that started the parent stops the copies too), started by that run: the
    /// <paramref name="lineage"/> is written with the new run, in one transaction. Repeated with the same
    /// <paramref name="runId"/>, returns the run started the first time (a parent's job that ran twice starts nothing twice).
    /// </summary>
    public Task<RunSnapshot> StartChildAsync(WorkflowRun parent, JsonObject inputs, string runId, RunLineage lineage, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(parent);
        var principal = new AccessPrincipal(parent.PrincipalId, new RoleSet(parent.PrincipalRoles)) { Credential = parent.Credential };
        return StartAsync(parent.Workflow, parent.Version, inputs, principal, runId, lineage, cancellationToken);
    }

    private async Task<RunSnapshot> StartAsync(string workflow, int? version, JsonObject? inputs, AccessPrincipal principal, string? runId, RunLineage? lineage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(principal);
        var stored = await store.GetVersionAsync(workflow, version, cancellationToken)
            ?? throw new WorkflowRunException(version is null ? $"There is no workflow '{workflow}'." : $"The workflow '{workflow}' has no version {version}.");
        var definition = (await DefinitionAsync(stored.Name, stored.Version, cancellationToken))!;
        var given = inputs ?? [];
        var resolved = new JsonObject();
        foreach (var input in definition.Inputs)
        {
            if (given[input.Name] is { } value)
            {
                resolved[input.Name] = value.DeepClone();
            }
            else if (input.Required)
            {
                throw new WorkflowRunException($"The workflow '{workflow}' needs the input '{input.Name}'.");
            }
            else
            {
                resolved[input.Name] = input.Default?.DeepClone();
            }
        }

        if (given.Select(p => p.Key).FirstOrDefault(k => definition.Inputs.All(i => i.Name != k)) is { } unknown)
        {
            throw new WorkflowRunException($"The workflow '{workflow}' has no input '{unknown}'; it takes {string.Join(", ", definition.Inputs.Select(i => i.Name).DefaultIfEmpty("none"))}.");
        }

        // A fan-out over an input that is too long is refused now, with the reason, rather than failing once it runs.
        var scope = new JsonObject { ["inputs"] = resolved.DeepClone(), ["steps"] = new JsonObject() };
        foreach (var fanOut in definition.Steps.Where(s => s.Kind == StepKinds.Foreach))
        {
            if (fanOut.Items!.Evaluate(scope) is JsonArray items && RunScheduler.TooManyItems(fanOut, items, MaxForeachItems) is { } tooMany)
            {
                throw new WorkflowRunException($"The run cannot start: {tooMany}.");
            }
        }

        var run = await store.CreateRunAsync(stored.Name, stored.Version, principal.Id, principal.Roles.Roles, principal.Credential, resolved.ToJsonString(), RunScheduler.InitialSteps(definition), runId, lineage, cancellationToken);
        await EnqueueAsync(run.Run, new WorkflowJobPayload(run.Run.Id, null, 0, false), null, cancellationToken);
        return run;
    }

    /// <summary>Cancels the principal's run; null when it has none with that id.</summary>
    public async Task<RunSnapshot?> CancelAsync(string runId, string principalId, CancellationToken cancellationToken = default)
    {
        if (await store.GetRunAsync(runId, principalId, cancellationToken) is null)
        {
            return null;
        }

        var cancelled = await store.UpdateRunAsync(runId, (s, now) => RunScheduler.Cancel(s, now), cancellationToken);
        await DropQueuedJobsAsync(cancelled!.Run, cancellationToken);
        await CancelDescendantsAsync(cancelled.Run, cancellationToken);
        await WakeParentAsync(cancelled.Run, cancellationToken); // a copy cancelled on its own: its parent merges without it
        await WakeTaskAsync(cancelled.Run, cancellationToken);
        return cancelled;
    }

    /// <summary>Cancels a run that another run started (a copy past its tree's deadline), with its own copies; <paramref name="reason"/> is its error.</summary>
    public async Task CancelCopyAsync(string runId, string reason, CancellationToken cancellationToken = default)
    {
        if (await store.UpdateRunAsync(runId, (s, now) => CancelWith(s, now, reason), cancellationToken) is { } cancelled)
        {
            await DropQueuedJobsAsync(cancelled.Run, cancellationToken);
            await CancelDescendantsAsync(cancelled.Run, cancellationToken);
        }
    }

    /// <summary>
    /// Cancels every run that <paramref name="run"/> started, and theirs (a Von Neumann agent's copies), that has not
    /// finished. Called after the run itself is cancelled; a run that starts copies checks its own state after starting
    /// them, so none is started behind this.
    /// </summary>
    public async Task CancelDescendantsAsync(WorkflowRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        var tree = await store.ListTreeAsync(run.Lineage?.RootRunId ?? run.Id, cancellationToken);
        var below = new HashSet<string>(StringComparer.Ordinal) { run.Id };
        foreach (var copy in tree.OrderBy(r => r.Lineage!.Depth))
        {
            if (below.Contains(copy.Lineage!.ParentRunId))
            {
                below.Add(copy.Id);
                if (!copy.IsTerminal && await store.UpdateRunAsync(copy.Id, (s, now) => CancelWith(s, now, $"cancelled with the run {run.Id}"), cancellationToken) is { } cancelled)
                {
                    await DropQueuedJobsAsync(cancelled.Run, cancellationToken);
                }
            }
        }
    }

    private static RunSnapshot? CancelWith(RunSnapshot snapshot, DateTimeOffset now, string reason)
    {
        if (snapshot.Run.IsTerminal)
        {
            return null;
        }

        var cancelled = RunScheduler.Cancel(snapshot, now);
        return cancelled with { Run = cancelled.Run with { Error = reason } };
    }

    /// <summary>
    /// Approves or rejects the principal's run's approval step that waits. Null when the run is not theirs; an
    /// <see cref="WorkflowRunException"/> when no such step waits.
    /// </summary>
    public async Task<RunSnapshot?> DecideApprovalAsync(string runId, string principalId, string step, bool approved, string? comment, CancellationToken cancellationToken = default)
    {
        if (await store.GetRunAsync(runId, principalId, cancellationToken) is not { } current)
        {
            return null;
        }

        var definition = (await DefinitionAsync(current.Run.Workflow, current.Run.Version, cancellationToken))!;
        bool decided = false;
        var after = await store.UpdateRunAsync(runId, (s, now) =>
        {
            if (s.Run.IsTerminal || s.Step(step) is not { State: StepState.Waiting } row || definition.Step(step)?.Kind is not (StepKinds.Approval or StepKinds.Agent))
            {
                return null;
            }

            decided = true;
            var output = new JsonObject { ["approved"] = approved, ["by"] = principalId, ["comment"] = comment };
            if (definition.Step(step)?.Kind != StepKinds.Approval)
            {
                return RunScheduler.Resume(s, row, output, now); // a step that asked for approval mid-way (an agent's tool call) runs on
            }

            var decidedRow = approved
                ? row with { State = StepState.Completed, Output = output.ToJsonString(), FinishedAt = now }
                : row with { State = StepState.Failed, Output = output.ToJsonString(), Error = $"rejected by {principalId}" + (comment is null ? string.Empty : $": {comment}"), FinishedAt = now };
            return RunScheduler.Advance(s with { Steps = [.. s.Steps.Select(r => r.Key == step ? decidedRow : r)] }, definition, now, MaxForeachItems);
        }, cancellationToken);
        if (!decided)
        {
            throw new WorkflowRunException($"The run has no approval step '{step}' waiting for a decision.");
        }

        await AdvancedAsync(current.Run, after!, cancellationToken);
        return after;
    }

    /// <summary>
    /// Delivers an event to the principal's run: every step that waits for <paramref name="name"/> and has not
    /// received it completes with <c>{event, data, by, at}</c> as its output — at once when it waits, else as soon as
    /// it starts waiting (the event is kept on its row). Null when the run is not theirs; a
    /// <see cref="WorkflowRunException"/> when the run has finished or none of its steps waits for that event.
    /// </summary>
    public async Task<RunSnapshot?> DeliverEventAsync(string runId, string principalId, string name, JsonNode? data, CancellationToken cancellationToken = default)
    {
        if (await store.GetRunAsync(runId, principalId, cancellationToken) is not { } current)
        {
            return null;
        }

        var definition = (await DefinitionAsync(current.Run.Workflow, current.Run.Version, cancellationToken))!;
        int delivered = 0;
        var after = await store.UpdateRunAsync(runId, (s, now) =>
        {
            delivered = 0;
            if (s.Run.IsTerminal)
            {
                return null;
            }

            var received = new JsonObject { ["event"] = name, ["data"] = data?.DeepClone(), ["by"] = principalId, ["at"] = now }.ToJsonString();
            var steps = s.Steps.Select(row =>
            {
                if (row.IsTerminal || row.Input is not null || definition.Step(row.Key) is not { Event: { } waitsFor } || waitsFor != name)
                {
                    return row;
                }

                delivered++;
                return row.State == StepState.Waiting
                    ? row with { State = StepState.Completed, Input = received, Output = received, FinishedAt = now }
                    : row with { Input = received };
            }).ToList();
            return delivered == 0 ? null : RunScheduler.Advance(s with { Steps = steps }, definition, now, MaxForeachItems);
        }, cancellationToken);
        if (delivered == 0)
        {
            throw new WorkflowRunException(after?.Run.IsTerminal == true
                ? $"The run has {WorkflowStore.Name(after.Run.State)}; it takes no more events."
                : $"No step of the run waits for the event '{name}' (or each that does has received it).");
        }

        await AdvancedAsync(current.Run, after!, cancellationToken);
        return after;
    }

    /// <summary>
    /// After a decision about a run (<paramref name="before"/> it, <paramref name="after"/>): queues its scheduled steps,
    /// and when the run has just finished and another run started it, wakes that one.
    /// </summary>
    internal async Task AdvancedAsync(WorkflowRun before, RunSnapshot after, CancellationToken cancellationToken)
    {
        await EnqueueReadyAsync(after, cancellationToken);
        if (!before.IsTerminal && after.Run.IsTerminal)
        {
            await WakeParentAsync(after.Run, cancellationToken);
            await WakeTaskAsync(after.Run, cancellationToken);
        }
    }

    /// <summary>
    /// <paramref name="run"/> has finished: the MCP task that started it (<c>workflows__run</c>, <c>agents__…</c>), which
    /// waits for it parked in the queue, is woken now instead of at its recheck. Its run's id is derived from its job's
    /// (<see cref="TaskRuns.RunId"/>), which is how it is found. A wake lost to a crash costs only the wait until the recheck.
    /// </summary>
    private async Task WakeTaskAsync(WorkflowRun run, CancellationToken cancellationToken)
    {
        if (!run.IsTerminal || run.Lineage is not null)
        {
            return; // a copy is waited for by its parent run, not by a task
        }

        foreach (string jobId in await queue.UnfinishedIdsAsync(run.PrincipalId, ToolCallJobHandler.JobKind, cancellationToken))
        {
            if (TaskRuns.RunId(run.PrincipalId, new RequestId(jobId).ToString()) == run.Id)
            {
                await queue.WakeAsync(jobId, cancellationToken);
            }
        }
    }

    // A cancelled run's step jobs that have not started are cancelled with it, rather than each claiming a worker only
    // to find the run cancelled. Running ones finish their attempt, whose result the cancelled step discards.
    private Task DropQueuedJobsAsync(WorkflowRun run, CancellationToken cancellationToken) =>
        queue.CancelQueuedAsync(run.PrincipalId, $"workflow:{run.Id}:", cancellationToken);

    /// <summary>
    /// <paramref name="child"/>, a run another run started (a Von Neumann agent's copy), has finished (completed, failed
    /// or cancelled): the parent's steps that wait for their copies (<see cref="RunScheduler.CopiesWait"/>) look at them
    /// now instead of at their fallback re-check. A step between attempts has its job made due now; a step running now
    /// is marked, so that the deferral it returns (it may have seen this copy unfinished) comes back at once. A wake
    /// lost to a crash costs only the wait until the fallback re-check.
    /// </summary>
    internal async Task WakeParentAsync(WorkflowRun child, CancellationToken cancellationToken)
    {
        if (!child.IsTerminal || child.Lineage is not { } lineage)
        {
            return;
        }

        var due = new List<StepRow>();
        var parent = await store.UpdateRunAsync(lineage.ParentRunId, (s, now) =>
        {
            due.Clear();
            if (s.Run.IsTerminal)
            {
                return null;
            }

            bool marked = false;
            var steps = s.Steps.Select(row =>
            {
                if (RunScheduler.WaitingFor(row) != RunScheduler.CopiesWait)
                {
                    return row;
                }

                if (row.State == StepState.Scheduled)
                {
                    due.Add(row);
                }
                else if (row.State == StepState.Running)
                {
                    marked = true;
                    return RunScheduler.MarkWoken(row);
                }

                return row;
            }).ToList();
            return marked ? s with { Steps = steps } : null;
        }, cancellationToken);

        foreach (var row in due)
        {
            // The step's job is normally queued already (and is made due now); right after the decision that deferred
            // the step it may not be yet, so it is queued here, due now, under the key that decision's enqueue then finds taken.
            var payload = new WorkflowJobPayload(parent!.Run.Id, row.Key, row.Attempt, false);
            string key = JobKey(parent.Run, payload, row.RunAt)!;
            await EnqueueAsync(parent.Run, payload, runAt: null, key, cancellationToken);
            await queue.RunNowAsync(parent.Run.PrincipalId, key, cancellationToken);
        }
    }

    /// <summary>Queues a job for every scheduled step (idempotent: a step's attempt has one job, however often this runs).</summary>
    internal async Task EnqueueReadyAsync(RunSnapshot snapshot, CancellationToken cancellationToken)
    {
        foreach (var row in snapshot.Steps.Where(r => r.State == StepState.Scheduled))
        {
            await EnqueueAsync(snapshot.Run, new WorkflowJobPayload(snapshot.Run.Id, row.Key, row.Attempt, false), row.RunAt, cancellationToken);
        }
    }

    /// <summary>Queues the job that fails an approval still waiting at its timeout.</summary>
    internal Task EnqueueApprovalTimeoutAsync(WorkflowRun run, StepRow row, TimeSpan timeout, string? wait, DateTimeOffset now, CancellationToken cancellationToken) =>
        EnqueueAsync(run, new WorkflowJobPayload(run.Id, row.Key, row.Attempt, true) { Wait = wait }, now + timeout, cancellationToken);

    private Task EnqueueAsync(WorkflowRun run, WorkflowJobPayload payload, DateTimeOffset? runAt, CancellationToken cancellationToken) =>
        EnqueueAsync(run, payload, runAt, JobKey(run, payload, runAt), cancellationToken);

    // A step's attempt gets one job per scheduled time: the key makes a repeated decision (a retried job, two workers)
    // enqueue nothing new, while an attempt deferred by a rate limit (a new run_at) gets a new job.
    private static string? JobKey(WorkflowRun run, WorkflowJobPayload payload, DateTimeOffset? runAt) => payload.Step is null ? null
        : $"workflow:{run.Id}:{payload.Step}:{payload.Attempt}:{(payload.ApprovalTimeout ? "timeout" + payload.Wait : runAt?.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture))}";

    private Task EnqueueAsync(WorkflowRun run, WorkflowJobPayload payload, DateTimeOffset? runAt, string? key, CancellationToken cancellationToken)
    {
        var draft = new JobDraft(WorkflowJobHandler.JobKind, run.PrincipalId, run.PrincipalRoles, JsonSerializer.Serialize(payload, WorkflowsJson.Default.WorkflowJobPayload))
        {
            RunAt = runAt,
            IdempotencyKey = key,
        };
        return queue.EnqueueAsync(draft, cancellationToken);
    }

    private bool ToolExists(string tool)
    {
        string[] parts = tool.Split('/', 2);
        return registry.TryGetServerView(parts[0], out var view) && view.Tools.TryGetPrimitive(parts[1], out _);
    }
}

/// <summary>What a <c>workflow</c> job carries: the run, and the step execution and attempt it runs (none: only decide).</summary>
/// <param name="Run">The run id.</param>
/// <param name="Step">The step execution's key; null for a job that only advances the run.</param>
/// <param name="Attempt">Which attempt of the step.</param>
/// <param name="ApprovalTimeout">The job fails the approval if it still waits.</param>
public sealed record WorkflowJobPayload(string Run, string? Step, int Attempt, bool ApprovalTimeout)
{
    /// <summary>For a timeout of a step that waits mid-way: what it waited for (its state's <c>waitingFor</c>).</summary>
    public string? Wait { get; init; }
}
