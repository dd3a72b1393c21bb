using System.Data.Common;
using System.Net.Sockets;
using Npgsql;

namespace Switchboard.Storage.Database;

/// <summary>
/// PostgreSQL through one pooled <see cref="NpgsqlDataSource"/>. Every statement stands alone or inside an explicit
/// transaction, no session state is set and nothing is prepared unless the connection string asks for it, so the pool
/// can sit behind PgBouncer in transaction mode (docs/storage.md).
/// </summary>
public sealed class PostgreSqlStorageDatabase : StorageDatabase
{
    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Creates the data source. Defaults that keep failures fast are added when the string does not set them.</summary>
    public PostgreSqlStorageDatabase(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Timeout"))
        {
            // Fail a request in seconds with 503 when the server is down, rather than after Npgsql's 15 s default.
            builder.Timeout = 5;
        }

        if (!given.ContainsKey("Application Name") && !given.ContainsKey("ApplicationName"))
        {
            builder.ApplicationName = "switchboard";
        }

        Builder = builder;
        _dataSource = NpgsqlDataSource.Create(builder.ConnectionString);
        Description = $"PostgreSQL database {builder.Database ?? builder.Username} at {builder.Host}:{builder.Port}";
    }

    /// <inheritdoc />
    public override StorageProvider Provider => StorageProvider.PostgreSql;

    /// <inheritdoc />
    public override string Description { get; }

    /// <summary>The parsed connection settings, for pg_dump and pg_restore.</summary>
    internal NpgsqlConnectionStringBuilder Builder { get; }

    /// <inheritdoc />
    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>
    /// A connection of its own, outside the pool, for a session that lives as long as the process (LISTEN): a pooled
    /// one would carry the subscription back into the pool.
    /// </summary>
    internal async Task<NpgsqlConnection> OpenDedicatedConnectionAsync(CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(Builder.ConnectionString) { Pooling = false, KeepAlive = 30 };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            await connection.DisposeAsync();
            throw translated;
        }
    }

    /// <summary>Drops idle pooled connections (after a restore replaced the schema).</summary>
    internal void ClearPool() => NpgsqlConnection.ClearAllPools();

    internal override async Task<DbTransaction> BeginExclusiveAsync(DbConnection connection, long lockId, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A transaction-scoped advisory lock: released at COMMIT/ROLLBACK, so it is PgBouncer-safe, unlike session locks.
        await using var command = connection.Command("SELECT pg_advisory_xact_lock(@id)", transaction).With("id", lockId);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return transaction;
    }

    internal override DbConnection OpenConnection()
    {
        try
        {
            return _dataSource.OpenConnection();
        }
        catch (Exception ex) when (Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    internal override DbTransaction BeginExclusive(DbConnection connection, long lockId)
    {
        var transaction = connection.BeginTransaction();
        using var command = connection.Command("SELECT pg_advisory_xact_lock(@id)", transaction).With("id", lockId);
        command.ExecuteNonQuery();
        return transaction;
    }

    internal override async Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);

    internal override StorageException? Translate(Exception exception) => exception switch
    {
        PostgresException { SqlState: "28P01" or "28000" } ex => new StorageUnavailableException(
            $"The {Description} refused the credentials ({ex.MessageText}). Check Username and Password in Storage:ConnectionString.", ex),
        PostgresException { SqlState: "3D000" } ex => new StorageUnavailableException(
            $"The {Description} does not exist ({ex.MessageText}). Create it (CREATE DATABASE) or fix Database in Storage:ConnectionString.", ex),
        PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" } ex => new StorageUnavailableException(
            $"The {Description} is not accepting connections right now ({ex.MessageText}); retry shortly.", ex),
        PostgresException => null,
        NpgsqlException { InnerException: SocketException or TimeoutException or IOException } or NpgsqlException { IsTransient: true } => new StorageUnavailableException(
            $"Cannot reach the {Description} ({exception.Message}). Check that the server is running and Host/Port in Storage:ConnectionString.", exception),
        TimeoutException => new StorageUnavailableException($"The {Description} did not answer in time ({exception.Message}).", exception),
        _ => null,
    };
}
