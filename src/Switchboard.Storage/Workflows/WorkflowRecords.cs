namespace Switchboard.Storage.Workflows;

/// <summary>Where a run is. The last three are terminal.</summary>
public enum RunState
{
    /// <summary>Steps are being scheduled and run.</summary>
    Running,

    /// <summary>A step failed: the compensations of the completed steps run, in reverse order.</summary>
    Compensating,

    /// <summary>Every step completed or was skipped.</summary>
    Completed,

    /// <summary>A step failed (after its retries); compensations, if any, have run.</summary>
    Failed,

    /// <summary>Cancelled by its principal.</summary>
    Cancelled,
}

/// <summary>Where one step execution is.</summary>
public enum StepState
{
    /// <summary>Waiting for the steps it needs.</summary>
    Pending,

    /// <summary>Ready: a job is queued for it (at <c>run_at</c>, for a wait or a retry's backoff).</summary>
    Scheduled,

    /// <summary>A worker is running it; its input is recorded.</summary>
    Running,

    /// <summary>Waiting for a human approval, or for its fan-out items.</summary>
    Waiting,

    /// <summary>Finished with its output recorded.</summary>
    Completed,

    /// <summary>Failed after its last attempt.</summary>
    Failed,

    /// <summary>Its <c>if</c> was false.</summary>
    Skipped,

    /// <summary>The run was cancelled, or failed, before it ran.</summary>
    Cancelled,
}

/// <summary>One stored version of a workflow definition.</summary>
public sealed record WorkflowVersion(string Name, int Version, string Source, string CreatedBy, DateTimeOffset CreatedAt);

/// <summary>One run's row.</summary>
public sealed record WorkflowRun(
    string Id,
    string Workflow,
    int Version,
    string PrincipalId,
    IReadOnlyList<string> PrincipalRoles,
    string Inputs,
    RunState State,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? FinishedAt)
{
    /// <summary>Whether the run has finished, one way or another.</summary>
    public bool IsTerminal => State is RunState.Completed or RunState.Failed or RunState.Cancelled;

    /// <summary>Where the run sits in a tree of runs started by runs (a Von Neumann agent's copies); null for a run nobody else started.</summary>
    public RunLineage? Lineage { get; init; }

    /// <summary>
    /// The public prefix of the API key that started the run (directly or through a service token; a copy inherits
    /// its parent's): its tool calls are refused once that key is revoked or expires. Null when the caller had no key
    /// (a JWT): nothing to revoke.
    /// </summary>
    public string? Credential { get; init; }
}

/// <summary>A run started by another run (a Von Neumann agent's copy, docs/agents.md).</summary>
/// <param name="ParentRunId">The run that started it.</param>
/// <param name="RootRunId">The first run of the tree.</param>
/// <param name="Depth">1 for the root's children, 2 for theirs, and so on.</param>
/// <param name="Allotment">JSON: the run's share of the tree's bounds, as its parent divided them.</param>
public sealed record RunLineage(string ParentRunId, string RootRunId, int Depth, string Allotment);

/// <summary>
/// One step execution: a declared step (<c>key</c> = its id), one item of a fan-out (<c>fetch[3]</c>) or a compensation
/// (<c>charge~compensate</c>). <paramref name="Step"/> is the declared step it runs.
/// </summary>
public sealed record StepRow(
    string Key,
    string Step,
    int Position,
    StepState State,
    int Attempt,
    DateTimeOffset? RunAt,
    string? Input,
    string? Output,
    string? Error,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt)
{
    /// <summary>Whether the step execution has finished, one way or another.</summary>
    public bool IsTerminal => State is StepState.Completed or StepState.Failed or StepState.Skipped or StepState.Cancelled;
}

/// <summary>A run and its step executions, as read (and locked) in one transaction.</summary>
public sealed record RunSnapshot(WorkflowRun Run, IReadOnlyList<StepRow> Steps)
{
    /// <summary>The step execution with <paramref name="key"/>, or null.</summary>
    public StepRow? Step(string key) => Steps.FirstOrDefault(s => s.Key == key);
}

/// <summary>One change of a run's or a step's state, in the order they happened (what SSE streams).</summary>
/// <param name="Id">Increasing within the database; the SSE event id.</param>
/// <param name="At">When.</param>
/// <param name="Step">The step execution's key; null for the run itself.</param>
/// <param name="State">The new state.</param>
/// <param name="Detail">The error, for a failure.</param>
public sealed record RunEvent(long Id, DateTimeOffset At, string? Step, string State, string? Detail);
