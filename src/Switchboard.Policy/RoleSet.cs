namespace Switchboard.Policy;

/// <summary>A caller's roles, normalized once so that decisions for the same set share a cache entry.</summary>
public sealed class RoleSet : IEquatable<RoleSet>
{
    private readonly string[] _roles;

    /// <summary>Creates the set; duplicates and order do not matter.</summary>
    public RoleSet(IEnumerable<string> roles)
    {
        _roles = [.. roles.Where(r => !string.IsNullOrWhiteSpace(r)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Key = string.Join(',', _roles);
    }

    /// <summary>The roles, sorted.</summary>
    public IReadOnlyList<string> Roles => _roles;

    /// <summary>A stable key for the set.</summary>
    public string Key { get; }

    /// <inheritdoc />
    public bool Equals(RoleSet? other) => other is not null && other.Key == Key;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RoleSet);

    /// <inheritdoc />
    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Key.Length == 0 ? "(no roles)" : Key;
}
