using System.Diagnostics;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Database;
using Switchboard.Storage.Diagnostics;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Audit;

/// <summary>
/// The audit group commit runs on a thread of its own. SQLite commits synchronously, so a writer on the thread pool
/// blocked a pool thread through every fsync, and a one-core replica (one pool thread) sat idle until the pool
/// injected more: the one-core collapse of issue 18. On SQLite the writer keeps its connection and compiled statements
/// from batch to batch, so these tests also hold it to reading the chain afresh for every batch and to starting over
/// after a failed one.
/// </summary>
public sealed class GroupCommitWriterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Append_CommitsOnTheWritersOwnThread_NotAThreadPoolThread()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        var commitThreads = new List<(string? Name, bool ThreadPool)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StorageDiagnostics.MeterName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = activity =>
            {
                if (activity.OperationName == "switchboard.audit.commit")
                {
                    lock (commitThreads)
                    {
                        commitThreads.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => audit.AppendAsync(new AuditEventDraft(DateTimeOffset.UtcNow, "writer-test", "test.event", $"t{i}", "ok", null), Ct)));

        // Other tests' stores may commit meanwhile: every commit seen must be on a writer thread.
        lock (commitThreads)
        {
            Assert.NotEmpty(commitThreads);
            Assert.All(commitThreads, thread => Assert.False(thread.ThreadPool, $"a commit ran on thread-pool thread '{thread.Name}'"));
            Assert.Contains(commitThreads, thread => thread.Name == "Switchboard audit writer");
        }

        Assert.Equal(20, (await audit.QueryAsync(new AuditQuery(Actor: "writer-test"), Ct)).Count);
    }

    [Fact]
    public async Task Writer_ThatDiesOutsideABatch_FailsTheAppendItHeldAndEveryLaterOne_InsteadOfLeavingThemWaiting()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        // A telemetry sampler that throws kills the writer where no batch's failure handling reaches: it is asked
        // about the commit's span before the batch is written. Only for this test's caller, so no other store's
        // writer meets it.
        var poisoned = ActivityTraceId.CreateRandom();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StorageDiagnostics.MeterName,
            Sample = (ref ActivityCreationOptions<ActivityContext> options) =>
                options.Links?.Any(link => link.Context.TraceId == poisoned) == true
                    ? throw new InvalidOperationException("The sampler failed.")
                    : ActivitySamplingResult.AllData,
        };
        ActivitySource.AddActivityListener(listener);

        Task<AuditEvent> held;
        using (new Activity("caller").SetParentId(poisoned, ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded).Start())
        {
            held = audit.AppendAsync(Draft("held"), Ct);
        }

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => held.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Equal("The sampler failed.", failure.Message);
        var later = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => audit.AppendAsync(Draft("later"), Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.Same(failure, later.InnerException);
        await Assert.ThrowsAsync<InvalidOperationException>(() => audit.DisposeAsync().AsTask());
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Writer_ContinuesTheChainFromWhatAnotherReplicaAppendedAndPruned_BetweenItsBatches(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        await using var otherDatabase = OpenAgain(db);
        var otherReplica = new SqlAuditStore(otherDatabase);

        var first = await audit.AppendAsync(Draft("w1"), Ct);
        var theirs = await otherReplica.AppendAsync(Draft("r1"), Ct);
        var second = await audit.AppendAsync(Draft("w2"), Ct);
        var pruned = await otherReplica.PruneAsync(DateTimeOffset.UtcNow.AddMinutes(1), 100, "replica", Ct);
        var third = await audit.AppendAsync(Draft("w3"), Ct);

        Assert.Equal([1L, 2, 3], new[] { first, theirs, second }.Select(e => e.Seq));
        Assert.Equal(theirs.Hash, second.PrevHash);
        Assert.Equal(3, pruned.Pruned);
        Assert.Equal(pruned.Event!.Seq + 1, third.Seq);
        Assert.Equal(pruned.Event.Hash, third.PrevHash);
        var verification = await audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(2, verification.Checked); // the prune's own event and w3
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Writer_AfterABatchFailsToTakeTheAppendLock_CommitsTheNextBatchOnAFreshStart(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        // A writer that gives up on the append lock after a second (SQLite's busy timeout, Npgsql's command timeout).
        await using var impatient = OpenAgain(db, provider == StorageProvider.Sqlite ? "Default Timeout=1" : "Command Timeout=1");
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(impatient));
        var before = await audit.AppendAsync(Draft("before"), Ct);

        await using (var connection = await db.Database.OpenConnectionAsync(Ct))
        await using (var held = await db.Database.BeginExclusiveAsync(connection, SqlAuditStore.AppendLockId, Ct))
        {
            await Assert.ThrowsAnyAsync<Exception>(() => audit.AppendAsync(Draft("during"), Ct));
            await held.RollbackAsync(Ct);
        }

        var after = await audit.AppendAsync(Draft("after"), Ct);

        Assert.Equal(2, after.Seq);
        Assert.Equal(before.Hash, after.PrevHash);
        Assert.Equal(["before", "after"], (await audit.QueryAsync(new AuditQuery(Actor: "writer-test"), Ct)).Select(e => e.Target));
        Assert.True((await audit.VerifyAsync(Ct)).Intact);
    }

    [Fact]
    public async Task PostgreSql_Writer_WaitingForTheAppendLock_ContinuesFromWhatItsHolderCommitted()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.PostgreSql, migrate: true);
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        var first = await audit.AppendAsync(Draft("w1"), Ct);

        // Another replica holds the append lock and appends under it while the writer waits for the lock. The writer
        // asks for the lock and the tail in one round trip: the tail must be read after the lock is granted.
        await using var connection = await db.Database.OpenConnectionAsync(Ct);
        await using var held = await db.Database.BeginExclusiveAsync(connection, SqlAuditStore.AppendLockId, Ct);
        var at = StorageDatabase.Normalize(DateTimeOffset.UtcNow);
        var theirHash = AuditChain.ComputeHash(2, first.Hash, at, "replica", "test.event", "r1", "ok", null);
        await using (var insert = connection.Command(
            "INSERT INTO audit_events (seq, occurred_at, actor, action, target, outcome, details, prev_hash, hash) VALUES (2, @at, 'replica', 'test.event', 'r1', 'ok', NULL, @prev, @hash)",
            held))
        {
            await insert.With("at", db.Database.ToDb(at)).With("prev", first.Hash).With("hash", theirHash).ExecuteNonQueryAsync(Ct);
        }

        var mine = audit.AppendAsync(Draft("w2"), Ct);
        await WaitForAnAdvisoryLockWaiterAsync(db);
        await held.CommitAsync(Ct);
        var appended = await mine;

        Assert.Equal(3, appended.Seq);
        Assert.Equal(theirHash, appended.PrevHash);
        var verification = await audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
    }

    private static async Task WaitForAnAdvisoryLockWaiterAsync(TestDatabase db)
    {
        await using var connection = await db.Database.OpenConnectionAsync(Ct);
        await using var waiting = connection.Command("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())");
        while (Convert.ToInt64(await waiting.ExecuteScalarAsync(Ct), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            await Task.Delay(20, Ct);
        }
    }

    // A second database object over the same data, as another replica (or a differently tuned writer) would have.
    private static StorageDatabase OpenAgain(TestDatabase db, string? extraSettings = null)
    {
        var connectionString = extraSettings is null ? db.ConnectionString : $"{db.ConnectionString};{extraSettings}";
        return db.Provider == StorageProvider.PostgreSql ? new PostgreSqlStorageDatabase(connectionString) : new SqliteStorageDatabase(connectionString);
    }

    private static AuditEventDraft Draft(string target) => new(DateTimeOffset.UtcNow, "writer-test", "test.event", target, "ok", null);
}
