using Npgsql;
using Switchboard.Storage.Database;
using Switchboard.Storage.Hosting;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Hosting;

/// <summary>
/// Cluster leases on a real PostgreSQL database. Each "replica" is a <see cref="PostgreSqlStorageDatabase"/> of its
/// own, with its own connection pool, as a separate process would have.
/// </summary>
public sealed class ClusterLeaseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoReplicas_OnlyOneHoldsTheLease_AndTheOtherTakesItWhenReleased()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.PostgreSql);
        await using var replicaA = new PostgreSqlStorageDatabase(db.ConnectionString);
        await using var replicaB = new PostgreSqlStorageDatabase(db.ConnectionString);
        await using var a = new ClusterLease(replicaA, "job");
        await using var b = new ClusterLease(replicaB, "job");

        Assert.True(await a.TryHoldAsync(Ct));
        Assert.False(await b.TryHoldAsync(Ct));
        Assert.True(await a.TryHoldAsync(Ct)); // confirmed, still held
        Assert.False(await b.TryHoldAsync(Ct));

        await a.ReleaseAsync();

        Assert.True(await b.TryHoldAsync(Ct));
        Assert.False(await a.TryHoldAsync(Ct));
    }

    [Fact]
    public async Task HolderDies_AnotherReplicaTakesOver_AndTheOldHolderLearnsItLostTheLease()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.PostgreSql);
        await using var replicaA = new PostgreSqlStorageDatabase(db.ConnectionString);
        await using var replicaB = new PostgreSqlStorageDatabase(db.ConnectionString);
        var logs = new RecordingLoggerFactory();
        await using var a = new ClusterLeases(replicaA, logs).Create("job");
        await using var b = new ClusterLease(replicaB, "job");
        Assert.True(await a.TryHoldAsync(Ct));

        // What the server sees when the holder's process is killed: its session ends, and the lock with it.
        await using (var admin = new NpgsqlConnection(db.ConnectionString))
        {
            await admin.OpenAsync(Ct);
            await using var kill = new NpgsqlCommand(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                admin);
            Assert.Equal(true, await kill.ExecuteScalarAsync(Ct));
        }

        Assert.True(await b.TryHoldAsync(Ct));
        Assert.False(await a.TryHoldAsync(Ct));
        Assert.Contains(logs.Entries, e => e.Message.Contains("Lost the cluster lease 'job'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task DifferentNames_AreHeldIndependently()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.PostgreSql);
        await using var replicaA = new PostgreSqlStorageDatabase(db.ConnectionString);
        await using var replicaB = new PostgreSqlStorageDatabase(db.ConnectionString);
        await using var retention = new ClusterLease(replicaA, "audit-retention");
        await using var other = new ClusterLease(replicaB, "another-job");

        Assert.True(await retention.TryHoldAsync(Ct));
        Assert.True(await other.TryHoldAsync(Ct));
    }

    [Fact]
    public async Task DatabaseUnreachable_TryReturnsFalseAndSaysWhy()
    {
        var builder = new NpgsqlConnectionStringBuilder(Switchboard.Testing.TestServices.PostgresAdmin) { Port = 1, Timeout = 2 };
        await using var unreachable = new PostgreSqlStorageDatabase(builder.ConnectionString);
        var logs = new RecordingLoggerFactory();
        await using var lease = new ClusterLeases(unreachable, logs).Create("job");

        Assert.False(await lease.TryHoldAsync(Ct));
        Assert.Contains(logs.Entries, e => e.Message.Contains("Could not try the cluster lease 'job'", StringComparison.Ordinal) && e.Message.Contains("127.0.0.1:1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Sqlite_ServesOneProcess_WhichAlwaysHoldsTheLease()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        await using var lease = new ClusterLease(db.Database, "job");

        Assert.True(await lease.TryHoldAsync(Ct));
    }
}
