using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Storage.Queue;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Definitions;
using Switchboard.Workflows.Queue;

namespace Switchboard.Workflows.Engine;

/// <summary>
/// Runs a run's step executions as queue jobs. One attempt: (1) under the run's lock, mark the step running and record
/// its input; (2) run it outside any transaction; (3) under the lock again, record the output (or the failure, or a
/// retry after the backoff) only if the step is still in that attempt, and decide what is ready next; (4) enqueue
/// the ready steps. A crash anywhere leaves the job to be run again: (1) is repeated, (3) is fenced by the attempt, so
/// a step execution completes once, and (4) is idempotent.
/// </summary>
public sealed class WorkflowJobHandler(WorkflowEngine engine, WorkflowStore store, IEnumerable<IStepExecutor> executors, TimeProvider time) : IJobHandler
{
    /// <summary>The job kind.</summary>
    public const string JobKind = "workflow";

    private readonly Dictionary<string, IStepExecutor> _executors = executors.ToDictionary(e => e.Kind, StringComparer.Ordinal);

    /// <inheritdoc />
    public string Kind => JobKind;

    /// <inheritdoc />
    public async Task<JobOutcome> RunAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var payload = JsonSerializer.Deserialize(job.Payload, WorkflowsJson.Default.WorkflowJobPayload)
            ?? throw new InvalidOperationException($"Job {job.Id} has no payload.");
        if (await store.GetRunAsync(payload.Run, job.PrincipalId, cancellationToken) is not { } run)
        {
            return new JobOutcome.Completed("{}"); // the run is gone (purged): nothing to do
        }

        var definition = await engine.DefinitionAsync(run.Run.Workflow, run.Run.Version, cancellationToken)
            ?? throw new InvalidOperationException($"The run {run.Run.Id} names '{run.Run.Workflow}' version {run.Run.Version}, which is not stored.");
        RunSnapshot? after;
        if (payload.Step is null)
        {
            after = await store.UpdateRunAsync(payload.Run, (s, now) => RunScheduler.Advance(s, definition, now, engine.MaxForeachItems), cancellationToken);
        }
        else if (payload.ApprovalTimeout && payload.Wait is { } wait)
        {
            var decision = new JsonObject { ["approved"] = false, ["by"] = null, ["comment"] = "no decision before the approval's timeout" };
            after = await store.UpdateRunAsync(payload.Run, (s, now) =>
                s.Step(payload.Step) is { State: StepState.Waiting } row && row.Attempt == payload.Attempt && !s.Run.IsTerminal
                && RunScheduler.WaitingFor(row) == wait ? RunScheduler.Resume(s, row, decision, now) : null, cancellationToken);
        }
        else if (payload.ApprovalTimeout)
        {
            string waitedFor = RunScheduler.Resolve(definition, payload.Step)?.Step.Event is { } name ? $"the event '{name}' did not arrive" : "no decision";
            after = await Record(payload, definition, new StepResult.Failed($"{waitedFor} before the step's timeout"), StepState.Waiting, cancellationToken);
        }
        else
        {
            after = await RunStepAsync(job, run.Run.Credential, payload, definition, cancellationToken);
        }

        if (after is not null)
        {
            await engine.AdvancedAsync(run.Run, after, cancellationToken);
        }

        return new JobOutcome.Completed("{}");
    }

    /// <summary>
    /// A step's job ran out of queue attempts (each lost lease counts): the step fails for good, as any failed step
    /// does (its own retries are not used again: the queue has already run it that often), so the run compensates and
    /// fails instead of waiting for an operator. Fenced like an attempt's result: a step that has moved on is left alone.
    /// </summary>
    public async Task DeadLetteredAsync(Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var payload = JsonSerializer.Deserialize(job.Payload, WorkflowsJson.Default.WorkflowJobPayload);
        if (payload?.Step is null || await store.GetRunAsync(payload.Run, job.PrincipalId, cancellationToken) is not { } run
            || await engine.DefinitionAsync(run.Run.Workflow, run.Run.Version, cancellationToken) is not { } definition)
        {
            return;
        }

        string error = $"its job was dead-lettered after {job.Attempts} attempt(s): {job.LastError}";
        var after = await store.UpdateRunAsync(payload.Run, (s, now) =>
            s.Run.IsTerminal || s.Step(payload.Step) is not { } row || row.Attempt != payload.Attempt
                || row.State is not (StepState.Scheduled or StepState.Running or StepState.Waiting)
                || (row.State == StepState.Waiting) != payload.ApprovalTimeout
                ? null
                : Replace(s, row with { State = StepState.Failed, Error = error, FinishedAt = now }, definition, now),
            cancellationToken);
        if (after is not null)
        {
            await engine.AdvancedAsync(run.Run, after, cancellationToken);
        }
    }

    private async Task<RunSnapshot?> RunStepAsync(Job job, string? credential, WorkflowJobPayload payload, WorkflowDefinition definition, CancellationToken cancellationToken)
    {
        if (RunScheduler.Resolve(definition, payload.Step!) is not var (step, index))
        {
            return null;
        }

        JsonNode? input = null;
        JsonNode? state = null;
        bool started = false;
        var snapshot = await store.UpdateRunAsync(payload.Run, (s, now) =>
        {
            // Scheduled → running; running → running again when a crashed attempt's job is run a second time.
            if (s.Run.IsTerminal || s.Step(payload.Step!) is not { } row || row.Attempt != payload.Attempt || row.State is not (StepState.Scheduled or StepState.Running))
            {
                return null;
            }

            var scope = RunScheduler.Scope(s, definition);
            if (index is { } i)
            {
                scope["item"] = row.Input is null ? null : JsonNode.Parse(row.Input);
                scope["index"] = i;
            }

            // A top-level step's condition was decided when it was scheduled; an item's or a compensation's is decided here.
            if (step.If is { } condition && payload.Step != step.Id && !condition.IsTrue(scope))
            {
                return Replace(s, row with { State = StepState.Skipped, FinishedAt = now }, definition, now);
            }

            input = Template.Render(step.Arguments, scope);
            state = row.Output is null ? null : JsonNode.Parse(row.Output);
            started = true;
            // An item's input is its item; a wait's for an event is the event, when it was delivered before the wait began.
            bool keepsInput = index is not null || step.Event is not null;
            return Replace(s, row with { State = StepState.Running, Input = keepsInput ? row.Input : input?.ToJsonString(), StartedAt = now }, definition, now, advance: false);
        }, cancellationToken);
        if (!started)
        {
            return snapshot;
        }

        var result = await ExecuteAsync(job, credential, payload, step, input, state, cancellationToken);
        var recorded = await Record(payload, definition, result, StepState.Running, cancellationToken);
        if (result is StepResult.Waiting wait && (wait.Timeout ?? step.Timeout) is { } timeout && recorded?.Step(payload.Step!) is { State: StepState.Waiting } waiting)
        {
            await engine.EnqueueApprovalTimeoutAsync(recorded.Run, waiting, timeout, wait.For, time.GetUtcNow(), cancellationToken);
        }

        return recorded;
    }

    private async Task<StepResult> ExecuteAsync(Job job, string? credential, WorkflowJobPayload payload, StepDefinition step, JsonNode? input, JsonNode? state, CancellationToken cancellationToken)
    {
        if (!_executors.TryGetValue(step.Kind, out var executor))
        {
            return new StepResult.Failed($"no executor runs '{step.Kind}' steps");
        }

        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (step.Timeout is { } timeout && step.Kind != StepKinds.Approval)
        {
            attempt.CancelAfter(timeout);
        }

        try
        {
            var context = new StepContext(job, step, $"{payload.Run}:{payload.Step}", input)
            {
                State = state,
                SaveStateAsync = (next, ct) => SaveStateAsync(payload, next, ct),
                Credential = credential,
            };
            return await executor.ExecuteAsync(context, attempt.Token);
        }
        catch (OperationCanceledException) when (attempt.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return new StepResult.Failed($"timed out after {step.Timeout}");
        }
    }

    // A checkpoint within a running attempt (an agent's turn): written only while the step is still in this attempt.
    private async Task<bool> SaveStateAsync(WorkflowJobPayload payload, JsonNode state, CancellationToken cancellationToken)
    {
        bool saved = false;
        await store.UpdateRunAsync(payload.Run, (s, _) =>
        {
            if (s.Run.IsTerminal || s.Step(payload.Step!) is not { State: StepState.Running } row || row.Attempt != payload.Attempt)
            {
                return null;
            }

            saved = true;
            return s with { Steps = [.. s.Steps.Select(r => r.Key == row.Key ? row with { Output = state.ToJsonString() } : r)] };
        }, cancellationToken);
        return saved;
    }

    // Records the attempt's result if the step is still in this attempt and state: done, waiting, retried after the
    // backoff, or failed; then decides what is ready next. A stale attempt (another one won) changes nothing.
    private Task<RunSnapshot?> Record(WorkflowJobPayload payload, WorkflowDefinition definition, StepResult result, StepState expected, CancellationToken cancellationToken) =>
        store.UpdateRunAsync(payload.Run, (s, now) =>
        {
            if (s.Run.IsTerminal || s.Step(payload.Step!) is not { } row || row.Attempt != payload.Attempt || row.State != expected
                || RunScheduler.Resolve(definition, row.Key) is not var (step, _))
            {
                return null;
            }

            var next = result switch
            {
                StepResult.Succeeded ok => row with { State = StepState.Completed, Output = ok.Output?.ToJsonString() ?? "null", Error = null, FinishedAt = now },
                // The event arrived while the step was starting (or before): no wait.
                StepResult.Waiting when step.Event is not null && row.Input is not null => row with { State = StepState.Completed, Output = row.Input, FinishedAt = now },
                StepResult.Waiting => row with { State = StepState.Waiting },
                StepResult.Deferred deferred => Defer(row, deferred, now),
                StepResult.Failed failed when row.Attempt < step.Retry.MaxAttempts =>
                    row with { State = StepState.Scheduled, Attempt = row.Attempt + 1, RunAt = now + step.Retry.DelayBefore(row.Attempt + 1), Error = failed.Error },
                StepResult.Failed failed => row with { State = StepState.Failed, Error = failed.Error, FinishedAt = now },
                _ => row,
            };
            return Replace(s, next, definition, now);
        }, cancellationToken);

    // A step woken while it ran (RunScheduler.MarkWoken: a copy it waits for finished after it looked) looks again at once.
    private static StepRow Defer(StepRow row, StepResult.Deferred deferred, DateTimeOffset now)
    {
        var unmarked = RunScheduler.TakeWoken(row, out bool woken);
        return unmarked with { State = StepState.Scheduled, RunAt = woken ? now : now + Jitter(deferred.After), Error = deferred.Reason };
    }

    // Between the wait asked for and half as much again, so deferred items do not all come back at one instant.
    private static TimeSpan Jitter(TimeSpan after) =>
        TimeSpan.FromMilliseconds(Math.Max(after.TotalMilliseconds, 100) * (1 + (Random.Shared.NextDouble() / 2)));

    private RunSnapshot Replace(RunSnapshot s, StepRow row, WorkflowDefinition definition, DateTimeOffset now, bool advance = true)
    {
        var replaced = s with { Steps = [.. s.Steps.Select(r => r.Key == row.Key ? row : r)] };
        return advance ? RunScheduler.Advance(replaced, definition, now, engine.MaxForeachItems) : replaced;
    }
}
