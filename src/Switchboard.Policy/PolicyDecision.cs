namespace Switchboard.Policy;

/// <summary>The outcome of one access check, with what decided it (for the audit trail and the caller's error).</summary>
/// <param name="Allowed">Whether the action is allowed.</param>
/// <param name="Role">The role whose permission allowed it, or null when denied.</param>
/// <param name="Permission">The permission that allowed it, or null when denied.</param>
public readonly record struct PolicyDecision(bool Allowed, string? Role, string? Permission)
{
    // Read-only (no init), so that no `with` can leave the description below behind the fields it is made from.
    /// <summary>Whether the action is allowed.</summary>
    public bool Allowed { get; } = Allowed;

    /// <summary>The role whose permission allowed it, or null when denied.</summary>
    public string? Role { get; } = Role;

    /// <summary>The permission that allowed it, or null when denied.</summary>
    public string? Permission { get; } = Permission;

    // An allowed decision's line is made once, where it is made (AccessPolicy caches its decisions), not per call:
    // every tool call's audit event carries it.
    private readonly string? _allowedBy = Allowed ? $"allowed by role '{Role}' ({Permission})" : null;

    /// <summary>A one-line explanation.</summary>
    public string Describe(RoleSet roles, string action, string? scope) => Allowed
        ? _allowedBy!
        : $"denied: no role of [{roles}] grants '{action}{(scope is null ? string.Empty : " " + scope)}'";
}
