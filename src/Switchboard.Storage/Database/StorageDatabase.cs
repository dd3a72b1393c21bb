using System.Data.Common;
using System.Globalization;

namespace Switchboard.Storage.Database;

/// <summary>
/// One configured database: opens pooled connections and hides the few places where SQLite and PostgreSQL differ
/// (timestamps, booleans, write locks). Everything else is the same SQL on both.
/// </summary>
public abstract class StorageDatabase : IAsyncDisposable
{
    private const string SqliteTimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    /// <summary>The engine.</summary>
    public abstract StorageProvider Provider { get; }

    /// <summary>Where the data lives, for messages: a file path or <c>host:port/database</c>; never a password.</summary>
    public abstract string Description { get; }

    /// <summary>Opens a pooled connection, or throws <see cref="StorageUnavailableException"/> with a clear message.</summary>
    public abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public virtual ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Begins a transaction that holds the database's write lock until it ends, so read-then-write sequences (the
    /// audit chain, migrations) are serialized across processes and replicas.
    /// </summary>
    internal abstract Task<DbTransaction> BeginExclusiveAsync(DbConnection connection, long lockId, CancellationToken cancellationToken);

    /// <summary>
    /// <see cref="BeginExclusiveAsync"/> with blocking I/O, on a thread that is not the thread pool's (the audit writer's):
    /// its round trips must not resume through the pool's queue.
    /// </summary>
    internal abstract DbTransaction BeginExclusive(DbConnection connection, long lockId);

    /// <summary>Opens a pooled connection with blocking I/O, for the same threads as <see cref="BeginExclusive"/>.</summary>
    internal abstract DbConnection OpenConnection();

    /// <summary>
    /// Begins a read-only snapshot: every statement in it sees the same committed state, and writers are not blocked
    /// (a long audit verification must not stall appends).
    /// </summary>
    internal abstract Task<DbTransaction> BeginSnapshotAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Translates a provider exception thrown mid-command into a <see cref="StorageException"/>, or returns null.</summary>
    internal abstract StorageException? Translate(Exception exception);

    /// <summary>Opens a connection, runs <paramref name="work"/>, and translates connection failures.</summary>
    internal async Task<T> RunAsync<T>(Func<DbConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await OpenConnectionAsync(cancellationToken);
            return await work(connection, cancellationToken);
        }
        catch (Exception ex) when (ex is not StorageException && Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary><see cref="RunAsync{T}"/> with blocking I/O, for the same threads as <see cref="BeginExclusive"/>.</summary>
    internal T Run<T>(Func<DbConnection, T> work)
    {
        try
        {
            using var connection = OpenConnection();
            return work(connection);
        }
        catch (Exception ex) when (ex is not StorageException && Translate(ex) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>Timestamps are stored at microsecond precision, UTC, which both engines keep exactly.</summary>
    public static DateTimeOffset Normalize(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % 10), TimeSpan.Zero);

    internal object ToDb(DateTimeOffset value) => Provider == StorageProvider.Sqlite
        ? Normalize(value).ToString(SqliteTimestampFormat, CultureInfo.InvariantCulture)
        : Normalize(value);

    internal object ToDb(DateTimeOffset? value) => value is { } v ? ToDb(v) : DBNull.Value;

    internal static DateTimeOffset ReadTimestamp(DbDataReader reader, int ordinal) => reader.GetValue(ordinal) switch
    {
        string text => DateTimeOffset.ParseExact(text, SqliteTimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal),
        DateTime dt => Normalize(new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc))),
        DateTimeOffset dto => Normalize(dto),
        var other => throw new StorageException($"Column {reader.GetName(ordinal)} holds '{other}', which is not a timestamp; the database was changed outside Switchboard."),
    };

    internal static DateTimeOffset? ReadNullableTimestamp(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ReadTimestamp(reader, ordinal);

    internal static string? ReadNullableString(DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
