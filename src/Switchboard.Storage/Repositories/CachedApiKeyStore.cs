using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary>
/// Caches <see cref="IApiKeyStore.FindByPrefixAsync"/>, the per-request lookup, and invalidates on create and revoke
/// across replicas. <see cref="ApiKeyRecord.LastUsedAt"/> in a cached record may lag: read it from <see cref="GetAsync"/>.
/// </summary>
internal sealed class CachedApiKeyStore(SqlApiKeyStore inner, IHotCache cache) : IApiKeyStore
{
    private static string Key(string prefix) => "apikey:" + prefix;

    public async Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await inner.CreateAsync(key, cancellationToken);
        await cache.InvalidateAsync(Key(key.Prefix), cancellationToken);
    }

    public ValueTask<ApiKeyRecord?> FindByPrefixAsync(string prefix, CancellationToken cancellationToken = default) =>
        cache.GetOrCreateAsync(Key(prefix), ct => inner.FindByPrefixAsync(prefix, ct), cancellationToken);

    public Task<ApiKeyRecord?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

    public Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string? principalId = null, CancellationToken cancellationToken = default) =>
        inner.ListAsync(principalId, cancellationToken);

    public async Task<bool> RevokeAsync(string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default)
    {
        var existing = await inner.GetAsync(id, cancellationToken);
        var revoked = await inner.RevokeAsync(id, revokedAt, cancellationToken);
        if (existing is not null)
        {
            await cache.InvalidateAsync(Key(existing.Prefix), cancellationToken);
        }

        return revoked;
    }

    public Task TouchLastUsedAsync(string id, DateTimeOffset usedAt, CancellationToken cancellationToken = default) =>
        inner.TouchLastUsedAsync(id, usedAt, cancellationToken);
}
