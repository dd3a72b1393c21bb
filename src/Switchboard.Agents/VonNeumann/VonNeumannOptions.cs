using Microsoft.Extensions.Options;

namespace Switchboard.Agents.VonNeumann;

/// <summary>How Von Neumann agents (docs/agents.md) wait for their copies. Section <c>Agents:VonNeumann</c>.</summary>
public sealed class VonNeumannOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Agents:VonNeumann";

    /// <summary>
    /// How long a run that waits for its copies goes without looking at them. Each copy that finishes wakes its parent
    /// at once; this re-check only covers a wake-up lost to a crash. The tree's deadline is kept either way.
    /// </summary>
    public TimeSpan RecheckInterval { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class VonNeumannOptionsValidator : IValidateOptions<VonNeumannOptions>
{
    public ValidateOptionsResult Validate(string? name, VonNeumannOptions options) => options.RecheckInterval > TimeSpan.Zero
        ? ValidateOptionsResult.Success
        : ValidateOptionsResult.Fail($"{VonNeumannOptions.Section}:RecheckInterval must be a positive duration (e.g. 00:00:30); it is {options.RecheckInterval}.");
}
