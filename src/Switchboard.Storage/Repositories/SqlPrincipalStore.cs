using System.Data.Common;
using System.Text.Json;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary><see cref="IPrincipalStore"/> over ADO.NET.</summary>
internal sealed class SqlPrincipalStore(StorageDatabase database) : SqlStoreBase(database), IPrincipalStore
{
    private const string Columns = "id, name, kind, display_name, created_at, disabled_at";

    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default) =>
        (await QueryAsync("SELECT 1 FROM principals LIMIT 1", _ => { }, _ => true, cancellationToken)).Count > 0;

    public Task CreateAsync(Principal principal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(principal);
        return ExecuteAsync(
            $"INSERT INTO principals ({Columns}) VALUES (@id, @name, @kind, @display, @created, @disabled)",
            c => c.With("id", principal.Id).With("name", principal.Name).With("kind", principal.Kind).With("display", principal.DisplayName)
                .With("created", Database.ToDb(principal.CreatedAt)).With("disabled", Database.ToDb(principal.DisabledAt)),
            cancellationToken,
            $"A principal named '{principal.Name}' (or with id '{principal.Id}') already exists.");
    }

    public Task<Principal?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SingleAsync($"SELECT {Columns} FROM principals WHERE id = @id", c => c.With("id", id), Map, cancellationToken);

    public Task<Principal?> FindByNameAsync(string name, CancellationToken cancellationToken = default) =>
        SingleAsync($"SELECT {Columns} FROM principals WHERE name = @name", c => c.With("name", name), Map, cancellationToken);

    public async Task<IReadOnlyList<Principal>> ListAsync(CancellationToken cancellationToken = default) =>
        await QueryAsync($"SELECT {Columns} FROM principals ORDER BY name", _ => { }, Map, cancellationToken);

    public Task UpsertRoleAsync(Role role, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(role);
        return ExecuteAsync(
            """
            INSERT INTO roles (name, description, permissions, built_in, created_at) VALUES (@name, @description, @permissions, @builtIn, @created)
            ON CONFLICT (name) DO UPDATE SET description = excluded.description, permissions = excluded.permissions, built_in = excluded.built_in
            """,
            c => c.With("name", role.Name).With("description", role.Description).With("permissions", JsonSerializer.Serialize(role.Permissions))
                .With("builtIn", role.BuiltIn).With("created", Database.ToDb(role.CreatedAt)),
            cancellationToken);
    }

    public async Task<IReadOnlyList<Role>> ListRolesAsync(CancellationToken cancellationToken = default) =>
        await QueryAsync(
            "SELECT name, description, permissions, built_in, created_at FROM roles ORDER BY name",
            _ => { },
            r => new Role(r.GetString(0), StorageDatabase.ReadNullableString(r, 1), JsonSerializer.Deserialize<string[]>(r.GetString(2)) ?? [], r.GetBoolean(3), StorageDatabase.ReadTimestamp(r, 4)),
            cancellationToken);

    public Task<bool> DeleteRoleAsync(string name, CancellationToken cancellationToken = default) =>
        Database.RunAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var grants = connection.Command("DELETE FROM principal_roles WHERE role_name = @name", transaction).With("name", name))
            {
                await grants.ExecuteNonQueryAsync(ct);
            }

            await using var role = connection.Command("DELETE FROM roles WHERE name = @name", transaction).With("name", name);
            bool deleted = await role.ExecuteNonQueryAsync(ct) > 0;
            await transaction.CommitAsync(ct);
            return deleted;
        }, cancellationToken);

    public async Task<int> CountRoleHoldersAsync(string name, CancellationToken cancellationToken = default) =>
        (await QueryAsync(
            """
            SELECT COUNT(DISTINCT pr.principal_id) FROM principal_roles pr
            JOIN api_keys k ON k.principal_id = pr.principal_id AND k.revoked_at IS NULL
            WHERE pr.role_name = @name
            """,
            c => c.With("name", name),
            r => Convert.ToInt32(r.GetValue(0), System.Globalization.CultureInfo.InvariantCulture),
            cancellationToken))[0];

    public Task SetRolesAsync(string principalId, IReadOnlyCollection<string> roleNames, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(roleNames);
        return Database.RunAsync(async (connection, ct) =>
        {
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var delete = connection.Command("DELETE FROM principal_roles WHERE principal_id = @id", transaction).With("id", principalId))
            {
                await delete.ExecuteNonQueryAsync(ct);
            }

            foreach (var role in roleNames.Distinct(StringComparer.Ordinal))
            {
                await using var insert = connection.Command("INSERT INTO principal_roles (principal_id, role_name) VALUES (@id, @role)", transaction)
                    .With("id", principalId).With("role", role);
                try
                {
                    await insert.ExecuteNonQueryAsync(ct);
                }
                catch (DbException ex) when (Database.Translate(ex) is null)
                {
                    throw new StorageException($"Cannot give principal '{principalId}' the role '{role}': the principal or the role does not exist.", ex);
                }
            }

            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<string>> GetRoleNamesAsync(string principalId, CancellationToken cancellationToken = default) =>
        await QueryAsync(
            "SELECT role_name FROM principal_roles WHERE principal_id = @id ORDER BY role_name",
            c => c.With("id", principalId),
            r => r.GetString(0),
            cancellationToken);

    private static Principal Map(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), StorageDatabase.ReadNullableString(r, 3),
        StorageDatabase.ReadTimestamp(r, 4), StorageDatabase.ReadNullableTimestamp(r, 5));
}
