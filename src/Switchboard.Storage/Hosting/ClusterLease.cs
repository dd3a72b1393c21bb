using System.Data.Common;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Storage.Database;
using Switchboard.Storage.Diagnostics;

namespace Switchboard.Storage.Hosting;

/// <summary>
/// A named lease that at most one replica of a cluster holds at a time, so that work which must run once per cluster
/// (audit retention, later scheduled jobs) runs only on the holder while every replica runs the same code.
/// </summary>
/// <remarks>
/// On PostgreSQL the holder keeps a transaction open on a connection of its own and holds a transaction-scoped
/// advisory lock in it (<c>pg_try_advisory_xact_lock</c>): no table to migrate, nothing left behind, and PgBouncer in
/// transaction mode simply pins one server connection to the holder. The lock goes when the holder releases it,
/// stops, or dies: a killed process's TCP connection closes and the server ends its session at once (a network
/// partition takes until the connection's <c>Keepalive</c> notices). The transaction writes nothing and, between
/// statements at READ COMMITTED, holds no snapshot, so it does not hold back vacuum.
/// A SQLite database serves one process, which always holds the lease.
/// Not thread-safe: one background loop owns a lease.
/// </remarks>
public sealed class ClusterLease : IAsyncDisposable
{
    /// <summary>The event id of the (debug) entry logged when a try finds the lease held by another replica.</summary>
    public const int HeldElsewhereEvent = 5053;

    private readonly StorageDatabase _database;
    private readonly long _lockId;
    private readonly ILogger _logger;
    private DbConnection? _connection;
    private DbTransaction? _transaction;

    /// <summary>Creates a lease named <paramref name="name"/>; nothing is taken until <see cref="TryHoldAsync"/>.</summary>
    public ClusterLease(StorageDatabase database, string name, ILogger<ClusterLease>? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _database = database;
        Name = name;
        _logger = logger ?? NullLogger<ClusterLease>.Instance;
        // A stable 64-bit key per name, in the advisory-lock space Switchboard shares with its fixed lock ids.
        _lockId = BitConverter.ToInt64(SHA256.HashData(Encoding.UTF8.GetBytes($"switchboard:lease:{name}")), 0);
    }

    /// <summary>The lease's name, e.g. <c>audit-retention</c>.</summary>
    public string Name { get; }

    /// <summary>
    /// Makes sure this replica holds the lease: confirms a lease it holds is still alive, or takes it when no one
    /// else holds it. Returns false when another replica holds it or the database cannot be reached (logged, never
    /// thrown: the caller simply tries again at its next interval).
    /// </summary>
    public async Task<bool> TryHoldAsync(CancellationToken cancellationToken = default)
    {
        if (_database.Provider == StorageProvider.Sqlite)
        {
            return true;
        }

        if (_transaction is not null)
        {
            try
            {
                await using var probe = _connection!.Command("SELECT 1", _transaction);
                await probe.ExecuteScalarAsync(cancellationToken);
                return true;
            }
            catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException or TimeoutException)
            {
                Log.LeaseLost(_logger, Name, ex.Message);
                await ReleaseAsync();
            }
        }

        return await TryTakeAsync(cancellationToken);
    }

    /// <summary>Gives the lease up (if held) so another replica can take it at its next try.</summary>
    public async ValueTask ReleaseAsync()
    {
        var (connection, transaction) = (_connection, _transaction);
        (_connection, _transaction) = (null, null);
        try
        {
            if (transaction is not null)
            {
                await transaction.DisposeAsync(); // rolls back, which releases the lock
            }
        }
        catch (Exception ex) when (ex is DbException or InvalidOperationException or IOException)
        {
            // The connection is already gone, and the lock with it.
        }
        finally
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => ReleaseAsync();

    private async Task<bool> TryTakeAsync(CancellationToken cancellationToken)
    {
        DbConnection? connection = null;
        DbTransaction? transaction = null;
        try
        {
            connection = await _database.OpenConnectionAsync(cancellationToken);
            transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using var command = connection.Command("SELECT pg_try_advisory_xact_lock(@id)", transaction).With("id", _lockId);
            if (await command.ExecuteScalarAsync(cancellationToken) is true)
            {
                (_connection, _transaction) = (connection, transaction);
                (connection, transaction) = (null, null);
                Log.LeaseTaken(_logger, Name);
                return true;
            }

            Log.LeaseHeldElsewhere(_logger, Name);
            return false;
        }
        catch (Exception ex) when (ex is StorageException or DbException or IOException or TimeoutException)
        {
            Log.LeaseUnavailable(_logger, Name, ex.Message);
            return false;
        }
        finally
        {
            // Not taken: end the attempt's transaction and hand its connection back.
            if (transaction is not null)
            {
                await transaction.DisposeAsync();
            }

            if (connection is not null)
            {
                await connection.DisposeAsync();
            }
        }
    }
}

/// <summary>Creates <see cref="ClusterLease"/>s over the configured database.</summary>
public sealed class ClusterLeases(StorageDatabase database, ILoggerFactory? loggers = null)
{
    /// <summary>A lease named <paramref name="name"/>; the caller owns and disposes it.</summary>
    public ClusterLease Create(string name) =>
        new(database, name, (loggers ?? NullLoggerFactory.Instance).CreateLogger<ClusterLease>());
}
