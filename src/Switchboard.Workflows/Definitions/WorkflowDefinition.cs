using System.Text.Json.Nodes;

namespace Switchboard.Workflows.Definitions;

/// <summary>Where something is in the definition's source: 1-based line and column.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    /// <inheritdoc />
    public override string ToString() => $"line {Line}, column {Column}";
}

/// <summary>One thing wrong with a definition, and where.</summary>
public sealed record DefinitionError(SourcePosition Position, string Message)
{
    /// <inheritdoc />
    public override string ToString() => $"{Position}: {Message}";
}

/// <summary>A definition was refused; <see cref="Errors"/> says what and where.</summary>
public sealed class WorkflowDefinitionException(IReadOnlyList<DefinitionError> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    /// <summary>Every error found, in source order.</summary>
    public IReadOnlyList<DefinitionError> Errors { get; } = errors;
}

/// <summary>A workflow as declared: its name, optional version, inputs and steps (docs/workflows.md).</summary>
public sealed record WorkflowDefinition(string Name, int? Version, string? Description, IReadOnlyList<InputDefinition> Inputs, IReadOnlyList<StepDefinition> Steps)
{
    /// <summary>Where the name is given.</summary>
    public SourcePosition NamePosition { get; init; }

    /// <summary>The declared step with <paramref name="id"/>, or null.</summary>
    public StepDefinition? Step(string id) => Steps.FirstOrDefault(s => s.Id == id);
}

/// <summary>A declared input: required unless it has a default.</summary>
public sealed record InputDefinition(string Name, bool Required, JsonNode? Default, SourcePosition Position);

/// <summary>How often a step is tried, and how long to wait between tries (doubling each time).</summary>
public sealed record RetryPolicy(int MaxAttempts, TimeSpan Backoff)
{
    /// <summary>One attempt, no retry.</summary>
    public static RetryPolicy None { get; } = new(1, TimeSpan.Zero);

    /// <summary>The wait before attempt <paramref name="next"/> (2, 3, …): the backoff doubled per retry, at most an hour.</summary>
    public TimeSpan DelayBefore(int next) =>
        TimeSpan.FromTicks(Math.Min(Backoff.Ticks * (1L << Math.Min(next - 2, 20)), TimeSpan.FromHours(1).Ticks));
}

/// <summary>The kinds of step; a new kind (agents, issue 16) adds a name here and an <c>IStepExecutor</c>.</summary>
public static class StepKinds
{
    /// <summary>Calls a tool.</summary>
    public const string Tool = "tool";

    /// <summary>Waits for a duration, or for a named event delivered to the run.</summary>
    public const string Wait = "wait";

    /// <summary>Waits for a human's approval through the REST API.</summary>
    public const string Approval = "approval";

    /// <summary>Runs its <c>do</c> step once per item of a list, a bounded number at once, and collects the outputs.</summary>
    public const string Foreach = "foreach";

    /// <summary>Runs a language-model agent (issue 16): model turns and tool calls until it answers or a budget is spent.</summary>
    public const string Agent = "agent";

    /// <summary>Runs the Director (issue 16): plans a goal, runs the plan as workflow runs, re-plans; its arguments are the request.</summary>
    public const string Director = "director";
}

/// <summary>One declared step.</summary>
public sealed record StepDefinition(string Id, string Kind, SourcePosition Position)
{
    /// <summary>The steps that must finish first; null means the step before it in the list (none for the first).</summary>
    public IReadOnlyList<(string Id, SourcePosition Position)>? Needs { get; init; }

    /// <summary>A condition (<c>${{ … }}</c>); when false the step is skipped.</summary>
    public Template? If { get; init; }

    /// <summary>How long one attempt may run (a tool call), or how long an approval or a wait for an event may wait.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Attempts and backoff.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.None;

    /// <summary>A tool step: <c>server/tool</c>.</summary>
    public string? Tool { get; init; }

    /// <summary>A tool step's arguments; string values may hold expressions.</summary>
    public JsonNode? Arguments { get; init; }

    /// <summary>The expressions in <see cref="Arguments"/>, with their positions (for validation).</summary>
    public IReadOnlyList<Template> ArgumentExpressions { get; init; } = [];

    /// <summary>A wait step's duration (null for a wait for an event).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>A wait step's event: it waits until <c>POST /api/v1/runs/{id}/events</c> delivers an event of this name.</summary>
    public string? Event { get; init; }

    /// <summary>An approval step's message to the approver.</summary>
    public string? Message { get; init; }

    /// <summary>A fan-out's list (an expression).</summary>
    public Template? Items { get; init; }

    /// <summary>A fan-out's bound: items running at once.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>A fan-out's step, run per item (<c>${{ item }}</c>, <c>${{ index }}</c>).</summary>
    public StepDefinition? Do { get; init; }

    /// <summary>An agent step's agent, as declared (docs/agents.md): instructions, model, tools, budget; checked by the parser.</summary>
    public JsonObject? Agent { get; init; }

    /// <summary>A tool step run, in reverse order of completion, when a later step fails (saga rollback).</summary>
    public StepDefinition? Compensate { get; init; }
}
