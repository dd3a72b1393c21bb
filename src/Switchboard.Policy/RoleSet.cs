using System.Text;

namespace Switchboard.Policy;

/// <summary>A caller's roles, normalized once so that decisions for the same set share a cache entry.</summary>
public sealed class RoleSet : IEquatable<RoleSet>
{
    private readonly string[] _roles;

    /// <summary>Creates the set; duplicates and order do not matter.</summary>
    public RoleSet(IEnumerable<string> roles)
    {
        _roles = [.. roles.Where(r => !string.IsNullOrWhiteSpace(r)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        Key = CanonicalKey(_roles);
    }

    /// <summary>The roles, sorted.</summary>
    public IReadOnlyList<string> Roles => _roles;

    /// <summary>
    /// A stable key for the set, and only for this set: role names are joined with <c>,</c> after escaping <c>\</c>
    /// and <c>,</c>, so the single role <c>"admin,viewer"</c> never shares a key with the set [admin, viewer].
    /// </summary>
    public string Key { get; }

    /// <inheritdoc />
    public bool Equals(RoleSet? other) => other is not null && other.Key == Key;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as RoleSet);

    /// <inheritdoc />
    public override int GetHashCode() => Key.GetHashCode(StringComparison.Ordinal);

    /// <inheritdoc />
    public override string ToString() => Key.Length == 0 ? "(no roles)" : Key;

    private static string CanonicalKey(string[] roles)
    {
        if (!roles.Any(r => r.Contains(',', StringComparison.Ordinal) || r.Contains('\\', StringComparison.Ordinal)))
        {
            return string.Join(',', roles); // the common case: real role names hold neither character
        }

        var key = new StringBuilder();
        foreach (string role in roles)
        {
            if (key.Length > 0)
            {
                key.Append(',');
            }

            key.Append(role.Replace("\\", "\\\\", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal));
        }

        return key.ToString();
    }
}
