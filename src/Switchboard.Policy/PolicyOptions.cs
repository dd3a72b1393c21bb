using Microsoft.Extensions.Options;

namespace Switchboard.Policy;

/// <summary>Custom roles. Section <c>Policy</c>: <c>"Roles": { "auditor": ["admin:audit"] }</c>.</summary>
public sealed class PolicyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Policy";

    /// <summary>Custom roles by name, each a list of permissions such as <c>tools:call filesystem/read_*</c>.</summary>
    public Dictionary<string, List<string>> Roles { get; } = new(StringComparer.Ordinal);
}

/// <summary>Refuses a custom role that redefines a built-in one or holds a permission that does not parse.</summary>
public sealed class PolicyOptionsValidator : IValidateOptions<PolicyOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PolicyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        foreach (var (role, permissions) in options.Roles)
        {
            if (BuiltInRoles.All.ContainsKey(role))
            {
                failures.Add($"Policy:Roles:{role} redefines the built-in role '{role}'; give the custom role another name.");
            }

            foreach (var text in permissions)
            {
                if (!Permission.TryParse(text, out _, out var error))
                {
                    failures.Add($"Policy:Roles:{role}: {error}");
                }
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
