using System.Data.Common;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary><see cref="IServerStore"/> over ADO.NET.</summary>
internal sealed class SqlServerStore(StorageDatabase database) : SqlStoreBase(database), IServerStore
{
    private const string Columns = "name, transport, endpoint, settings, enabled, description, created_at, updated_at";

    public Task UpsertAsync(RegisteredServer server, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(server);
        return ExecuteAsync(
            $"""
            INSERT INTO servers ({Columns}) VALUES (@name, @transport, @endpoint, @settings, @enabled, @description, @created, @updated)
            ON CONFLICT (name) DO UPDATE SET transport = excluded.transport, endpoint = excluded.endpoint, settings = excluded.settings,
                enabled = excluded.enabled, description = excluded.description, updated_at = excluded.updated_at
            """,
            c => c.With("name", server.Name).With("transport", server.Transport).With("endpoint", server.Endpoint).With("settings", server.Settings)
                .With("enabled", server.Enabled).With("description", server.Description)
                .With("created", Database.ToDb(server.CreatedAt)).With("updated", Database.ToDb(server.UpdatedAt)),
            cancellationToken);
    }

    public Task<RegisteredServer?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        SingleAsync($"SELECT {Columns} FROM servers WHERE name = @name", c => c.With("name", name), Map, cancellationToken);

    public async Task<IReadOnlyList<RegisteredServer>> ListAsync(CancellationToken cancellationToken = default) =>
        await QueryAsync($"SELECT {Columns} FROM servers ORDER BY name", _ => { }, Map, cancellationToken);

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default) =>
        await ExecuteAsync("DELETE FROM servers WHERE name = @name", c => c.With("name", name), cancellationToken) > 0;

    private static RegisteredServer Map(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), StorageDatabase.ReadNullableString(r, 3), r.GetBoolean(4),
        StorageDatabase.ReadNullableString(r, 5), StorageDatabase.ReadTimestamp(r, 6), StorageDatabase.ReadTimestamp(r, 7));
}
