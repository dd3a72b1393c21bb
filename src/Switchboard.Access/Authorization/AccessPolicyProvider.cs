using Microsoft.Extensions.Options;
using Switchboard.Policy;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Repositories;

namespace Switchboard.Access.Authorization;

/// <summary>
/// The policy in force: built-in roles, <see cref="PolicyOptions"/> and the roles made through the API. Rebuilt when
/// the options change or <see cref="RefreshAsync"/> finds the stored roles changed, so permissions are compiled off
/// the hot path and every decision cached under the old policy is dropped with it.
/// </summary>
public sealed class AccessPolicyProvider : IDisposable
{
    /// <summary>The hot-cache key of the stored roles; invalidating it tells every replica to reload them.</summary>
    public const string StoredRolesCacheKey = "policy:roles";

    private readonly IOptionsMonitor<PolicyOptions> _options;
    private readonly IPrincipalStore _principals;
    private readonly IHotCache _cache;
    private readonly IDisposable? _subscription;
    private readonly Lock _gate = new();
    private StoredRoles _stored = new([]);
    private string _storedKey = string.Empty;
    private AccessPolicy _current;

    /// <summary>Builds the policy from configuration; stored roles join at the first <see cref="RefreshAsync"/>.</summary>
    public AccessPolicyProvider(IOptionsMonitor<PolicyOptions> options, IPrincipalStore principals, IHotCache cache)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_options, _principals, _cache) = (options, principals, cache);
        _current = AccessPolicy.Create(options.CurrentValue);
        _subscription = options.OnChange(_ =>
        {
            lock (_gate)
            {
                Rebuild();
            }
        });
    }

    /// <summary>The policy to decide with now.</summary>
    public AccessPolicy Current => Volatile.Read(ref _current);

    /// <summary>Reloads the stored roles (from the hot cache when it holds them) and rebuilds the policy if they changed.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var stored = await _cache.GetOrCreateAsync(StoredRolesCacheKey, async ct =>
            new StoredRoles([.. (await _principals.ListRolesAsync(ct)).Select(r => KeyValuePair.Create(r.Name, r.Permissions))]), cancellationToken);
        // Compared by content: the cache hands out a new copy after each expiry, and an unchanged policy keeps its
        // cached decisions.
        string key = string.Join('\n', stored?.Roles.Select(r => $"{r.Key}={string.Join(',', r.Value)}") ?? []);
        if (stored is not null && key != _storedKey)
        {
            lock (_gate)
            {
                (_stored, _storedKey) = (stored, key);
                Rebuild();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _subscription?.Dispose();

    private void Rebuild() => Volatile.Write(ref _current, AccessPolicy.Create(_options.CurrentValue, _stored.Roles));

    /// <summary>The roles in the database, as cached.</summary>
    /// <param name="Roles">Name → permissions.</param>
    public sealed record StoredRoles(IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Roles);
}
