using Microsoft.Extensions.Options;

namespace Switchboard.Workflows;

/// <summary>Bounds on workflow runs. Section <c>Workflows</c> (docs/workflows.md).</summary>
public sealed class WorkflowsOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Workflows";

    /// <summary>The default of <see cref="MaxForeachItems"/>.</summary>
    public const int DefaultMaxForeachItems = 1000;

    /// <summary>
    /// The most items one <c>foreach</c> may expand into. Each item is a step row that every decision about the run
    /// reads, so one huge list slows its run and, through the shared database and workers, everyone else's.
    /// </summary>
    public int MaxForeachItems { get; set; } = DefaultMaxForeachItems;
}

/// <summary>Checks <see cref="WorkflowsOptions"/> at start, saying what to change.</summary>
internal sealed class WorkflowsOptionsValidator : IValidateOptions<WorkflowsOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkflowsOptions options) =>
        options.MaxForeachItems is < 1 or > 100_000
            ? ValidateOptionsResult.Fail($"Workflows:MaxForeachItems is {options.MaxForeachItems}; set it between 1 and 100000 (the most items one foreach expands into; {WorkflowsOptions.DefaultMaxForeachItems} by default).")
            : ValidateOptionsResult.Success;
}
