using System.Globalization;
using System.Text.Json.Nodes;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Definitions;

namespace Switchboard.Workflows.Engine;

/// <summary>
/// Decides what happens next in a run, from the run's rows alone (no I/O): which pending steps are ready (their needs
/// finished, their <c>if</c> true), which fan-out items may start under the concurrency bound, when a fan-out is
/// complete, and after a failure which compensations run, one at a time, in reverse order. It is called inside the
/// transaction that holds the run's lock, so its answer is applied exactly once.
/// </summary>
public static class RunScheduler
{
    /// <summary>The key of a fan-out's item.</summary>
    public static string ItemKey(string step, int index) => $"{step}[{index.ToString(CultureInfo.InvariantCulture)}]";

    /// <summary>The key of a step's compensation.</summary>
    public static string CompensationKey(string step) => step + "~compensate";

    /// <summary>The declared step a row runs, and for an item its index; null when the row names no step of <paramref name="definition"/>.</summary>
    public static (StepDefinition Step, int? Index)? Resolve(WorkflowDefinition definition, string key)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(key);
        if (key.EndsWith("~compensate", StringComparison.Ordinal))
        {
            return definition.Step(key[..^"~compensate".Length])?.Compensate is { } compensate ? (compensate, null) : null;
        }

        int open = key.IndexOf('[', StringComparison.Ordinal);
        if (open > 0 && int.TryParse(key[(open + 1)..^1], NumberStyles.None, CultureInfo.InvariantCulture, out int index))
        {
            return definition.Step(key[..open])?.Do is { } body ? (body, index) : null;
        }

        return definition.Step(key) is { } step ? (step, null) : null;
    }

    /// <summary>What expressions see: <c>inputs</c>, and each top-level step's <c>output</c> and <c>state</c>.</summary>
    public static JsonObject Scope(RunSnapshot snapshot, WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(definition);
        var steps = new JsonObject();
        foreach (var row in snapshot.Steps.Where(r => definition.Step(r.Key) is not null))
        {
            steps[row.Key] = new JsonObject
            {
                ["output"] = row.Output is null ? null : JsonNode.Parse(row.Output),
                ["state"] = WorkflowStore.Name(row.State),
            };
        }

        return new JsonObject { ["inputs"] = JsonNode.Parse(snapshot.Run.Inputs), ["steps"] = steps };
    }

    /// <summary>The first step rows of a new run: every declared step, pending.</summary>
    public static List<StepRow> InitialSteps(WorkflowDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return [.. definition.Steps.Select((s, i) => new StepRow(s.Id, s.Id, i, StepState.Pending, 0, null, null, null, null, null, null))];
    }

    /// <summary>
    /// The run after every decision that can be made now; the same snapshot when there is none. A fan-out whose list has
    /// more than <paramref name="maxForeachItems"/> items fails instead of expanding (<c>Workflows:MaxForeachItems</c>).
    /// </summary>
    public static RunSnapshot Advance(RunSnapshot snapshot, WorkflowDefinition definition, DateTimeOffset now, int maxForeachItems = WorkflowsOptions.DefaultMaxForeachItems)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(definition);
        var rows = snapshot.Steps.ToDictionary(r => r.Key, StringComparer.Ordinal);
        var order = snapshot.Steps.Select(r => r.Key).ToList();
        var run = snapshot.Run;

        void Set(StepRow row)
        {
            if (!rows.ContainsKey(row.Key))
            {
                order.Add(row.Key);
            }

            rows[row.Key] = row;
        }

        RunSnapshot Current() => new(run, [.. order.Select(k => rows[k])]);

        if (run.IsTerminal)
        {
            return snapshot;
        }

        var needs = WorkflowValidator.Dependencies(definition);
        bool changed = true;
        while (changed && run.State == RunState.Running)
        {
            changed = false;
            foreach (var step in definition.Steps)
            {
                var row = rows[step.Id];
                if (row.State == StepState.Pending && needs[step.Id].All(n => rows[n].State is StepState.Completed or StepState.Skipped))
                {
                    var scope = Scope(Current(), definition);
                    Set(Start(step, row, scope, now, maxForeachItems, Set));
                    changed = true;
                }
                else if (step.Kind == StepKinds.Foreach && row.State == StepState.Waiting)
                {
                    var next = FanOut(step, row, rows, now, Set);
                    changed |= next != row;
                    Set(next);
                }
            }

            if (rows.Values.FirstOrDefault(r => r.State == StepState.Failed && definition.Step(r.Key) is not null) is { } failed)
            {
                run = run with { State = RunState.Compensating, Error = $"the step '{failed.Key}' failed: {failed.Error}" };
            }
            else if (definition.Steps.All(s => rows[s.Id].State is StepState.Completed or StepState.Skipped))
            {
                run = run with { State = RunState.Completed, FinishedAt = now };
            }
        }

        if (run.State == RunState.Compensating)
        {
            run = Compensate(definition, rows, run, now, Set);
        }

        var after = Current();
        return after.Run == snapshot.Run && after.Steps.SequenceEqual(snapshot.Steps) ? snapshot : after;
    }

    /// <summary>What a step waiting mid-way (an agent) waits for: its saved state's <c>waitingFor</c>.</summary>
    public static string? WaitingFor(StepRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return row.Output is null ? null : (JsonNode.Parse(row.Output) as JsonObject)?["waitingFor"]?.GetValue<string>();
    }

    /// <summary>
    /// The <c>waitingFor</c> of a step that waits between attempts for the runs it started (a Von Neumann agent's
    /// copies): each that finishes wakes it (<see cref="WorkflowEngine.WakeParentAsync"/>).
    /// </summary>
    public const string CopiesWait = "copies";

    // Set in the state of a step that was woken while it ran, so that the deferral it returns comes back at once.
    private const string WokenKey = "woken";

    /// <summary>The step, marked as woken while it runs.</summary>
    internal static StepRow MarkWoken(StepRow row)
    {
        var state = (row.Output is null ? null : JsonNode.Parse(row.Output) as JsonObject) ?? [];
        state[WokenKey] = true;
        return row with { Output = state.ToJsonString() };
    }

    /// <summary>The step without its woken mark; <paramref name="woken"/> says whether it had one.</summary>
    internal static StepRow TakeWoken(StepRow row, out bool woken)
    {
        woken = false;
        if (row.Output is null || JsonNode.Parse(row.Output) is not JsonObject state || !state.Remove(WokenKey))
        {
            return row;
        }

        woken = true;
        return row with { Output = state.ToJsonString() };
    }

    /// <summary>
    /// A step that waits mid-way is decided: the decision goes into its saved state (<c>decision</c>) and the same
    /// attempt is scheduled again, to go on from that state.
    /// </summary>
    public static RunSnapshot Resume(RunSnapshot snapshot, StepRow row, JsonObject decision, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(row);
        var state = (row.Output is null ? null : JsonNode.Parse(row.Output) as JsonObject) ?? [];
        state["decision"] = decision;
        var resumed = row with { State = StepState.Scheduled, RunAt = now, Output = state.ToJsonString() };
        return snapshot with { Steps = [.. snapshot.Steps.Select(r => r.Key == row.Key ? resumed : r)] };
    }

    /// <summary>Cancels the run and every step execution that has not finished.</summary>
    public static RunSnapshot Cancel(RunSnapshot snapshot, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Run.IsTerminal)
        {
            return snapshot;
        }

        return new RunSnapshot(
            snapshot.Run with { State = RunState.Cancelled, FinishedAt = now, Error = "cancelled by its principal" },
            [.. snapshot.Steps.Select(s => s.IsTerminal ? s : s with { State = StepState.Cancelled, FinishedAt = now })]);
    }

    // A step whose needs are met: skipped when its condition is false; a fan-out expands into its items; anything else
    // is scheduled (a wait at the end of its duration).
    private static StepRow Start(StepDefinition step, StepRow row, JsonObject scope, DateTimeOffset now, int maxForeachItems, Action<StepRow> add)
    {
        if (step.If is { } condition && !condition.IsTrue(scope))
        {
            return row with { State = StepState.Skipped, FinishedAt = now };
        }

        if (step.Kind != StepKinds.Foreach)
        {
            return row with { State = StepState.Scheduled, Attempt = 1, RunAt = step.Duration is { } wait ? now + wait : now };
        }

        if (step.Items!.Evaluate(scope) is not JsonArray items)
        {
            return row with { State = StepState.Failed, Error = $"'{step.Items.Text}' is not a list", StartedAt = now, FinishedAt = now };
        }

        if (TooManyItems(step, items, maxForeachItems) is { } tooMany)
        {
            return row with { State = StepState.Failed, Error = tooMany, StartedAt = now, FinishedAt = now };
        }

        for (int i = 0; i < items.Count; i++)
        {
            add(new StepRow(ItemKey(step.Id, i), step.Id, row.Position, StepState.Pending, 0, null, items[i]?.ToJsonString() ?? "null", null, null, null, null));
        }

        return row with { State = StepState.Waiting, Input = items.ToJsonString(), StartedAt = now };
    }

    /// <summary>Why the fan-out <paramref name="step"/> cannot expand <paramref name="items"/>; null when it can.</summary>
    public static string? TooManyItems(StepDefinition step, JsonArray items, int maxForeachItems)
    {
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(items);
        return items.Count <= maxForeachItems ? null
            : $"the foreach of '{step.Id}' has {items.Count} items; one foreach takes at most {maxForeachItems} (Workflows:MaxForeachItems): split the list across runs";
    }

    // Starts items up to the bound; fans in when all completed; fails when one failed (after its retries).
    private static StepRow FanOut(StepDefinition step, StepRow parent, Dictionary<string, StepRow> rows, DateTimeOffset now, Action<StepRow> set)
    {
        int count = JsonNode.Parse(parent.Input!)!.AsArray().Count;
        var items = Enumerable.Range(0, count).Select(i => rows[ItemKey(step.Id, i)]).ToList();
        if (items.FirstOrDefault(i => i.State == StepState.Failed) is { } failed)
        {
            foreach (var item in items.Where(i => i.State is StepState.Pending or StepState.Scheduled))
            {
                set(item with { State = StepState.Cancelled, FinishedAt = now });
            }

            return parent with { State = StepState.Failed, Error = $"item {failed.Key}: {failed.Error}", FinishedAt = now };
        }

        if (items.All(i => i.State == StepState.Completed))
        {
            var outputs = new JsonArray([.. items.Select(i => i.Output is null ? null : JsonNode.Parse(i.Output))]);
            return parent with { State = StepState.Completed, Output = outputs.ToJsonString(), FinishedAt = now };
        }

        int free = step.Concurrency - items.Count(i => i.State is StepState.Scheduled or StepState.Running);
        foreach (var item in items.Where(i => i.State == StepState.Pending).Take(Math.Max(free, 0)))
        {
            set(item with { State = StepState.Scheduled, Attempt = 1, RunAt = now });
        }

        return parent;
    }

    // Saga rollback: nothing new starts; once no step is running, the completed steps' compensations run one at a
    // time, the latest declared first; then the run has failed.
    private static WorkflowRun Compensate(WorkflowDefinition definition, Dictionary<string, StepRow> rows, WorkflowRun run, DateTimeOffset now, Action<StepRow> set)
    {
        foreach (var row in rows.Values.Where(r => r.State is StepState.Pending or StepState.Scheduled || (r.State == StepState.Waiting && !r.Key.EndsWith("~compensate", StringComparison.Ordinal))).ToList())
        {
            set(row with { State = StepState.Cancelled, FinishedAt = now });
        }

        if (rows.Values.Any(r => r.State == StepState.Running && !r.Key.EndsWith("~compensate", StringComparison.Ordinal)))
        {
            return run; // wait: a running step may still complete, and then needs compensating too
        }

        foreach (var step in definition.Steps.Where(s => s.Compensate is not null && rows[s.Id].State == StepState.Completed).Reverse())
        {
            string key = CompensationKey(step.Id);
            if (!rows.TryGetValue(key, out var compensation))
            {
                set(new StepRow(key, step.Id, rows[step.Id].Position, StepState.Scheduled, 1, now, null, null, null, null, null));
                return run;
            }

            if (!compensation.IsTerminal)
            {
                return run;
            }
        }

        return run with { State = RunState.Failed, FinishedAt = now };
    }
}
