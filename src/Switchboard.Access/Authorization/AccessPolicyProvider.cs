using Microsoft.Extensions.Options;
using Switchboard.Policy;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Repositories;

namespace Switchboard.Access.Authorization;

/// <summary>
/// The policy in force: built-in roles, <see cref="PolicyOptions"/> and the roles made through the API or the CLI.
/// Rebuilt when the options change or <see cref="RefreshAsync"/> finds the stored roles changed, so permissions are
/// compiled off the hot path and every decision cached under the old policy is dropped with it. The stored roles are
/// cached under the <see cref="IdentityVersion"/>, which every role change moves: a refresh after a change reads them
/// afresh, on this replica and every other.
/// </summary>
public sealed class AccessPolicyProvider : IDisposable
{
    private const string StoredRolesCacheKey = "policy:roles";

    private readonly IOptionsMonitor<PolicyOptions> _options;
    private readonly IPrincipalStore _principals;
    private readonly IHotCache _cache;
    private readonly IdentityVersion _identity;
    private readonly IDisposable? _subscription;
    private readonly Lock _gate = new();

    // One refresh at a time, so a slow one that read older roles cannot replace newer ones read after it.
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private StoredRoles _stored = new([]);
    private AccessPolicy _current;

    /// <summary>Builds the policy from configuration; stored roles join at the first <see cref="RefreshAsync"/>.</summary>
    public AccessPolicyProvider(IOptionsMonitor<PolicyOptions> options, IPrincipalStore principals, IHotCache cache, IdentityVersion identity)
    {
        ArgumentNullException.ThrowIfNull(options);
        (_options, _principals, _cache, _identity) = (options, principals, cache, identity);
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
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            long version = await _identity.CurrentAsync(cancellationToken);
            var stored = await _cache.GetOrCreateAsync($"{StoredRolesCacheKey}:{version}", async ct =>
                new StoredRoles([.. (await _principals.ListRolesAsync(ct)).Select(r => KeyValuePair.Create(r.Name, r.Permissions))]), cancellationToken);
            // Compared by content: most changes are to keys, not roles, and an unchanged policy keeps its cached decisions.
            if (stored is not null && !stored.SameAs(_stored))
            {
                lock (_gate)
                {
                    _stored = stored;
                    Rebuild();
                }
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _subscription?.Dispose();
        _refreshing.Dispose();
    }

    private void Rebuild() => Volatile.Write(ref _current, AccessPolicy.Create(_options.CurrentValue, _stored.Roles));

    /// <summary>The roles in the database, as cached.</summary>
    /// <param name="Roles">Name → permissions.</param>
    public sealed record StoredRoles(IReadOnlyList<KeyValuePair<string, IReadOnlyList<string>>> Roles)
    {
        /// <summary>Whether <paramref name="other"/> holds the same roles with the same permissions, in the same order.</summary>
        public bool SameAs(StoredRoles other) =>
            other is not null && Roles.Count == other.Roles.Count
            && Roles.Zip(other.Roles).All(p => p.First.Key == p.Second.Key && p.First.Value.SequenceEqual(p.Second.Value, StringComparer.Ordinal));
    }
}
