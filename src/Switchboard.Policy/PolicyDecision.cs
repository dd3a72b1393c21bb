namespace Switchboard.Policy;

/// <summary>The outcome of one access check, with what decided it (for the audit trail and the caller's error).</summary>
/// <param name="Allowed">Whether the action is allowed.</param>
/// <param name="Role">The role whose permission allowed it, or null when denied.</param>
/// <param name="Permission">The permission that allowed it, or null when denied.</param>
public readonly record struct PolicyDecision(bool Allowed, string? Role, string? Permission)
{
    /// <summary>A one-line explanation.</summary>
    public string Describe(RoleSet roles, string action, string? scope) => Allowed
        ? $"allowed by role '{Role}' ({Permission})"
        : $"denied: no role of [{roles}] grants '{action}{(scope is null ? string.Empty : " " + scope)}'";
}
