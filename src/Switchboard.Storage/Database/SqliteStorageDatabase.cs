using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace Switchboard.Storage.Database;

/// <summary>The embedded SQLite file. Microsoft.Data.Sqlite pools connections; writers queue on the file lock.</summary>
public sealed class SqliteStorageDatabase : StorageDatabase
{
    // SQLite result codes (https://sqlite.org/rescode.html) that mean "this file is not a healthy SQLite database".
    private const int SqliteCorrupt = 11;
    private const int SqliteCantOpen = 14;
    private const int SqliteNotADatabase = 26;

    // ... and those that mean "another writer held the lock past the busy timeout": transient, like a PostgreSQL
    // server that is restarting, so callers back off and retry instead of failing for good.
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    private readonly string _connectionString;
    private readonly string? _directory;

    /// <summary>Creates the database over <paramref name="connectionString"/> (a <c>Data Source=file</c> string).</summary>
    public SqliteStorageDatabase(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString)
        {
            ForeignKeys = true,
        };
        if (builder.DefaultTimeout == 30)
        {
            // Also the busy timeout: how long a writer waits for another process's write lock.
            builder.DefaultTimeout = 15;
        }

        InMemory = builder.Mode == SqliteOpenMode.Memory || builder.DataSource == ":memory:";
        FilePath = InMemory ? builder.DataSource : Path.GetFullPath(builder.DataSource);
        if (!InMemory)
        {
            builder.DataSource = FilePath;
            _directory = Path.GetDirectoryName(FilePath);
        }

        _connectionString = builder.ToString();
    }

    /// <summary>The database file's full path.</summary>
    public string FilePath { get; }

    /// <summary>Whether this is an in-memory database (tests only: it dies with its last connection).</summary>
    public bool InMemory { get; }

    /// <inheritdoc />
    public override StorageProvider Provider => StorageProvider.Sqlite;

    /// <inheritdoc />
    public override string Description => $"SQLite file {FilePath}";

    /// <summary>The connection string in force, for the backup service.</summary>
    internal string ConnectionString => _connectionString;

    /// <inheritdoc />
    public override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default)
    {
        if (_directory is not null)
        {
            Directory.CreateDirectory(_directory);
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch (Exception ex)
        {
            await connection.DisposeAsync();
            throw Translate(ex) ?? new StorageUnavailableException($"Cannot open the {Description}: {ex.Message}", ex);
        }
    }

    internal override DbConnection OpenConnection()
    {
        if (_directory is not null)
        {
            Directory.CreateDirectory(_directory);
        }

        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            return connection;
        }
        catch (Exception ex)
        {
            connection.Dispose();
            throw Translate(ex) ?? new StorageUnavailableException($"Cannot open the {Description}: {ex.Message}", ex);
        }
    }

    internal override DbTransaction BeginExclusive(DbConnection connection, long lockId) =>
        // BEGIN IMMEDIATE, as in BeginExclusiveAsync.
        connection.BeginTransaction();

    /// <summary>Releases pooled connections to the file (before a restore or delete).</summary>
    internal static void ClearPools() => SqliteConnection.ClearAllPools();

    internal override async Task<DbTransaction> BeginExclusiveAsync(DbConnection connection, long lockId, CancellationToken cancellationToken) =>
        // Microsoft.Data.Sqlite's default transaction is BEGIN IMMEDIATE: the write lock is taken up front.
        await connection.BeginTransactionAsync(cancellationToken);

    internal override Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken) =>
        // Deferred: a plain read transaction; in WAL mode its first read fixes the snapshot, and the writer goes on.
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: true));

    internal override StorageException? Translate(Exception exception) => exception switch
    {
        SqliteException { SqliteErrorCode: SqliteNotADatabase or SqliteCorrupt } ex => new StorageException(
            $"The {Description} is not a SQLite database or is corrupt ({ex.Message}). Nothing was changed. Restore it from a backup, or point Storage:ConnectionString at another file.", ex),
        SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked } ex => new StorageUnavailableException(
            $"The {Description} is locked by another writer (a long transaction in this or another process: a backup, an import, a CLI command) and stayed locked past the busy timeout ({ex.Message}); retry shortly.", ex),
        SqliteException { SqliteErrorCode: SqliteCantOpen } ex => new StorageUnavailableException(
            $"Cannot open the {Description} ({ex.Message}). Check that the path exists and this process may read and write it.", ex),
        _ => null,
    };
}
