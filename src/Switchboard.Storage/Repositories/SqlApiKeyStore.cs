using System.Data.Common;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary><see cref="IApiKeyStore"/> over ADO.NET, uncached.</summary>
internal sealed class SqlApiKeyStore(StorageDatabase database) : SqlStoreBase(database), IApiKeyStore
{
    private const string Columns = "id, principal_id, name, prefix, hash, created_at, expires_at, revoked_at, last_used_at";

    public Task CreateAsync(ApiKeyRecord key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ExecuteAsync(
            $"INSERT INTO api_keys ({Columns}) VALUES (@id, @principal, @name, @prefix, @hash, @created, @expires, @revoked, @used)",
            c => c.With("id", key.Id).With("principal", key.PrincipalId).With("name", key.Name).With("prefix", key.Prefix).With("hash", key.Hash)
                .With("created", Database.ToDb(key.CreatedAt)).With("expires", Database.ToDb(key.ExpiresAt))
                .With("revoked", Database.ToDb(key.RevokedAt)).With("used", Database.ToDb(key.LastUsedAt)),
            cancellationToken,
            $"An API key with prefix '{key.Prefix}' (or id '{key.Id}') already exists; generate another.");
    }

    public async ValueTask<ApiKeyRecord?> FindByPrefixAsync(string prefix, CancellationToken cancellationToken = default) =>
        await SingleAsync($"SELECT {Columns} FROM api_keys WHERE prefix = @prefix", c => c.With("prefix", prefix), Map, cancellationToken);

    public Task<ApiKeyRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SingleAsync($"SELECT {Columns} FROM api_keys WHERE id = @id", c => c.With("id", id), Map, cancellationToken);

    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string? principalId = null, CancellationToken cancellationToken = default) =>
        await QueryAsync(
            principalId is null
                ? $"SELECT {Columns} FROM api_keys ORDER BY created_at DESC, id"
                : $"SELECT {Columns} FROM api_keys WHERE principal_id = @principal ORDER BY created_at DESC, id",
            c => c.With("principal", principalId),
            Map,
            cancellationToken);

    public async Task<bool> RevokeAsync(string id, DateTimeOffset revokedAt, CancellationToken cancellationToken = default) =>
        await ExecuteAsync(
            "UPDATE api_keys SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL",
            c => c.With("id", id).With("at", Database.ToDb(revokedAt)),
            cancellationToken) > 0;

    public Task TouchLastUsedAsync(string id, DateTimeOffset usedAt, CancellationToken cancellationToken = default) =>
        ExecuteAsync(
            "UPDATE api_keys SET last_used_at = @at WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)",
            c => c.With("id", id).With("at", Database.ToDb(usedAt)),
            cancellationToken);

    private static ApiKeyRecord Map(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
        StorageDatabase.ReadTimestamp(r, 5), StorageDatabase.ReadNullableTimestamp(r, 6),
        StorageDatabase.ReadNullableTimestamp(r, 7), StorageDatabase.ReadNullableTimestamp(r, 8));
}
