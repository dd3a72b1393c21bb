using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary>
/// Caches <see cref="IApiKeyStore.FindByPrefixAsync"/>, the per-request lookup, under the current
/// <see cref="IdentityVersion"/>: a create or revoke here, on another replica or from the CLI moves the version, and
/// no entry read before it is served once this process has seen the new one. <see cref="ApiKeyRecord.LastUsedAt"/>
/// in a cached record may lag: read it from <see cref="GetAsync"/>.
/// </summary>
internal sealed class CachedApiKeyStore(SqlApiKeyStore inner, IHotCache cache, IdentityVersion identity) : IApiKeyStore
{
    public async Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken = default)
    {
        await inner.CreateAsync(key, cancellationToken);
        await identity.AnnounceChangeAsync(cancellationToken);
    }

    public async ValueTask<ApiKeyRecord?> FindByPrefixAsync(string prefix, CancellationToken cancellationToken = default)
    {
        long version = await identity.CurrentAsync(cancellationToken);
        return await cache.GetOrCreateAsync($"apikey:{version}:{prefix}", ct => inner.FindByPrefixAsync(prefix, ct), cancellationToken);
    }

    public Task<ApiKeyRecord?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string? principalId = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(principalId, cancellationToken);

    public async Task<bool> RevokeAsync(string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default)
    {
        var revoked = await inner.RevokeAsync(id, revokedAt, cancellationToken);
        await identity.AnnounceChangeAsync(cancellationToken);
        return revoked;
    }

    public Task TouchLastUsedAsync(string id, DateTimeOffset usedAt, CancellationToken cancellationToken = default) =>
        inner.TouchLastUsedAsync(id, usedAt, cancellationToken);
}
