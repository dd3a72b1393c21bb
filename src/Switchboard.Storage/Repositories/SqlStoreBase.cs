using System.Data.Common;
using Switchboard.Storage.Database;

namespace Switchboard.Storage.Repositories;

/// <summary>Shared plumbing for the ADO.NET stores: the same SQL runs on SQLite and PostgreSQL.</summary>
internal abstract class SqlStoreBase(StorageDatabase database)
{
    protected StorageDatabase Database { get; } = database;

    protected Task<List<T>> QueryAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> map, CancellationToken cancellationToken) =>
        Database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(sql);
            bind(command);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var results = new List<T>();
            while (await reader.ReadAsync(ct))
            {
                results.Add(map(reader));
            }

            return results;
        }, cancellationToken);

    protected async Task<T?> SingleAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> map, CancellationToken cancellationToken)
        where T : class =>
        (await QueryAsync(sql, bind, map, cancellationToken)).FirstOrDefault();

    protected Task<int> ExecuteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken, string? conflictMessage = null) =>
        Database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(sql);
            bind(command);
            try
            {
                return await command.ExecuteNonQueryAsync(ct);
            }
            catch (DbException ex) when (conflictMessage is not null && IsUniqueViolation(ex))
            {
                throw new StorageConflictException(conflictMessage, ex);
            }
        }, cancellationToken);

    // SQLite: SQLITE_CONSTRAINT (19); PostgreSQL: unique_violation 23505.
    private static bool IsUniqueViolation(DbException ex) =>
        ex.SqlState == "23505" || ex is Microsoft.Data.Sqlite.SqliteException { SqliteErrorCode: 19 };
}
