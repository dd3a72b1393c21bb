using Switchboard.Storage.Database;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary><see cref="ISigningKeyStore"/> over ADO.NET.</summary>
internal sealed class SqlSigningKeyStore(StorageDatabase database) : SqlStoreBase(database), ISigningKeyStore
{
    public async Task<IReadOnlyList<SigningKey>> ListAsync(CancellationToken cancellationToken = default) =>
        await QueryAsync(
            "SELECT id, secret, created_at FROM signing_keys ORDER BY created_at, id",
            _ => { },
            r => new SigningKey(r.GetString(0), r.GetString(1), StorageDatabase.ReadTimestamp(r, 2)),
            cancellationToken);

    public Task CreateAsync(SigningKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return ExecuteAsync(
            "INSERT INTO signing_keys (id, secret, created_at) VALUES (@id, @secret, @created)",
            c => c.With("id", key.Id).With("secret", key.Secret).With("created", Database.ToDb(key.CreatedAt)),
            cancellationToken,
            $"A signing key with id '{key.Id}' already exists.");
    }
}
