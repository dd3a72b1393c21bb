using System.Collections.Concurrent;

namespace Switchboard.Policy;

/// <summary>
/// Decides whether a set of roles may perform an action on a scope. Deny by default: only a permission of one of
/// the caller's roles allows. Permissions are compiled when the policy is built; decisions are cached per
/// (roles, action, scope), so the hot path is one dictionary lookup. A policy is immutable: a change builds a new one.
/// </summary>
public sealed class AccessPolicy
{
    private const int MaxCachedDecisions = 65_536;

    private readonly Dictionary<string, Permission[]> _roles;
    private readonly ConcurrentDictionary<(string Roles, string Action, string? Scope), PolicyDecision> _decisions = new();

    private AccessPolicy(Dictionary<string, Permission[]> roles) => _roles = roles;

    /// <summary>
    /// The built-in roles, the custom ones in <paramref name="options"/>, and <paramref name="storedRoles"/> (made
    /// through the API). A name defined twice keeps its first definition in that order, so configuration cannot be
    /// overridden at run time, nor a built-in role redefined.
    /// </summary>
    /// <exception cref="FormatException">A permission does not parse (validate options first for a friendlier message).</exception>
    public static AccessPolicy Create(PolicyOptions? options = null, IEnumerable<KeyValuePair<string, IReadOnlyList<string>>>? storedRoles = null)
    {
        var roles = BuiltInRoles.All.ToDictionary(r => r.Key, r => r.Value.Select(Permission.Parse).ToArray(), StringComparer.Ordinal);
        foreach (var (name, permissions) in options?.Roles ?? [])
        {
            roles.TryAdd(name, [.. permissions.Select(Permission.Parse)]);
        }

        foreach (var (name, permissions) in storedRoles ?? [])
        {
            // A stored permission that no longer parses grants nothing rather than taking the whole policy down.
            roles.TryAdd(name, [.. permissions.Select(p => Permission.TryParse(p, out var parsed, out _) ? parsed : null).OfType<Permission>()]);
        }

        return new AccessPolicy(roles);
    }

    /// <summary>Every role this policy knows.</summary>
    public IEnumerable<string> RoleNames => _roles.Keys;

    /// <summary>Whether <paramref name="role"/> exists.</summary>
    public bool HasRole(string role) => _roles.ContainsKey(role);

    /// <summary>
    /// The first permission of <paramref name="roles"/> that <paramref name="holder"/> does not hold itself, with its
    /// role; null when it holds them all. Handing out only what one holds (giving roles to a key, taking a key's new
    /// secret) never widens one's own access: a service token's rule (only the key's own roles), by permission.
    /// </summary>
    public (string Role, string Permission)? FirstPermissionNotHeld(RoleSet holder, IEnumerable<string> roles)
    {
        ArgumentNullException.ThrowIfNull(holder);
        ArgumentNullException.ThrowIfNull(roles);
        var held = holder.Roles.Where(_roles.ContainsKey).SelectMany(r => _roles[r]).ToArray();
        foreach (string role in roles)
        {
            // One's own role is held by definition; an unknown one grants nothing (and creating a key refuses it).
            if (holder.Roles.Contains(role, StringComparer.Ordinal) || !_roles.TryGetValue(role, out var permissions))
            {
                continue;
            }

            foreach (var wanted in permissions)
            {
                if (!Actions.All.Where(wanted.GrantsAction).All(action => held.Any(h => h.GrantsWherever(wanted, action))))
                {
                    return (role, wanted.Text);
                }
            }
        }

        return null;
    }

    /// <summary>Decides <paramref name="action"/> on <paramref name="scope"/> (<c>server/name</c>, or null) for <paramref name="roles"/>.</summary>
    public PolicyDecision Decide(RoleSet roles, string action, string? scope = null)
    {
        ArgumentNullException.ThrowIfNull(roles);
        var key = (roles.Key, action, scope);
        if (_decisions.TryGetValue(key, out var decision))
        {
            return decision;
        }

        decision = Evaluate(roles, action, scope);
        if (_decisions.Count >= MaxCachedDecisions)
        {
            _decisions.Clear(); // bounded memory under adversarial scopes; the next decisions rebuild it
        }

        _decisions[key] = decision;
        return decision;
    }

    private PolicyDecision Evaluate(RoleSet roles, string action, string? scope)
    {
        foreach (var role in roles.Roles)
        {
            if (!_roles.TryGetValue(role, out var permissions))
            {
                continue;
            }

            foreach (var permission in permissions)
            {
                if (permission.Grants(action, scope))
                {
                    return new PolicyDecision(true, role, permission.Text);
                }
            }
        }

        return new PolicyDecision(false, null, null);
    }
}
