using Microsoft.Extensions.Time.Testing;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Infrastructure;
using Switchboard.Storage.Tests.Migrations;

namespace Switchboard.Storage.Tests.Audit;

public sealed class AuditRetentionTests
{
    private static readonly DateTimeOffset T0 = Seed.T0;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Events 1..<paramref name="count"/>, one a minute from <paramref name="start"/>.</summary>
    internal static Task<IReadOnlyList<AuditEvent>> AppendAsync(SqlAuditStore store, int count, DateTimeOffset start) =>
        store.AppendManyAsync([.. Enumerable.Range(0, count).Select(i => new AuditEventDraft(start.AddMinutes(i), $"actor{i % 3}", "tools/call", $"utilities/t{i}", "ok", $"{{\"n\":{i}}}"))], Ct);

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Prune_MovesTheAnchor_AndVerifyChecksTheRestFromIt(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var time = new FakeTimeProvider(T0.AddHours(1));
        var store = new SqlAuditStore(db.Database, time);
        var events = await AppendAsync(store, 10, T0);

        var pruned = await store.PruneAsync(T0.AddMinutes(5), 1000, "operator", Ct);
        var verification = await store.VerifyAsync(Ct);

        Assert.Equal(5, pruned.Pruned);
        Assert.False(pruned.More);
        Assert.Equal(new AuditAnchor(5, events[4].Hash, T0.AddMinutes(4), T0.AddHours(1), 5), pruned.Anchor);
        Assert.Equal((11L, AuditChain.PruneAction, "operator", T0.AddHours(1)), (pruned.Event!.Seq, pruned.Event.Action, pruned.Event.Actor, pruned.Event.OccurredAt));
        Assert.Contains($"\"throughSeq\":5,\"throughHash\":\"{events[4].Hash}\",\"pruned\":5", pruned.Event.Details, StringComparison.Ordinal);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(6, verification.Checked);
        Assert.Equal(pruned.Anchor, verification.Anchor);
        Assert.Contains("6 events verified since event 6; events through 5 (up to 2026-03-01 12:04:00Z) were pruned, 5 in all", verification.Message, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(6, 6).Select(i => (long)i), (await store.QueryAsync(new AuditQuery(), Ct)).Select(e => e.Seq));

        // Nothing old is left: a second prune changes nothing.
        var again = await store.PruneAsync(T0.AddMinutes(5), 1000, "operator", Ct);
        Assert.Equal((0L, pruned.Anchor, (AuditEvent?)null), (again.Pruned, again.Anchor, again.Event));

        // Pruning everything, the last prune event included, still leaves a verifiable chain: the new prune event.
        time.Advance(TimeSpan.FromHours(1));
        var all = await store.PruneAsync(T0.AddHours(3), 1000, "operator", Ct);
        var next = await store.AppendAsync(new AuditEventDraft(T0.AddHours(3), "p", "tools/call", null, "ok", null), Ct);
        var after = await store.VerifyAsync(Ct);

        Assert.Equal((6L, 11L, 11L), (all.Pruned, all.Anchor!.Seq, all.Anchor.PrunedCount));
        Assert.Equal((12L, 13L), (all.Event!.Seq, next.Seq));
        Assert.True(after.Intact, after.Message);
        Assert.Equal(2, after.Checked);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Prune_InBatches_SaysWhenMoreIsLeft(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var store = new SqlAuditStore(db.Database, new FakeTimeProvider(T0.AddDays(1)));
        await AppendAsync(store, 25, T0);

        var batches = new List<AuditPruneResult>();
        do
        {
            batches.Add(await store.PruneAsync(T0.AddHours(1), 10, "operator", Ct));
        }
        while (batches[^1].More);
        var verification = await store.VerifyAsync(Ct);

        Assert.Equal([(10L, true), (10L, true), (5L, false)], batches.Select(b => (b.Pruned, b.More)));
        Assert.Equal([10L, 20, 25], batches.Select(b => b.Anchor!.Seq));
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(3, verification.Checked); // the three prune events
        Assert.Equal(25, verification.Anchor!.PrunedCount);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Prune_OnlyAnUnbrokenPrefix_NeverAHole(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var store = new SqlAuditStore(db.Database, new FakeTimeProvider(T0.AddDays(1)));
        await AppendAsync(store, 3, T0);
        await store.AppendAsync(new AuditEventDraft(T0.AddHours(5), "clock-ahead", "tools/call", null, "ok", null), Ct);
        await AppendAsync(store, 3, T0.AddMinutes(10));

        var pruned = await store.PruneAsync(T0.AddHours(1), 1000, "operator", Ct);

        // Events 5..7 are old too, but event 4 (a replica whose clock ran ahead) is not: the chain is cut before it.
        Assert.Equal((3L, 3L), (pruned.Pruned, pruned.Anchor!.Seq));
        Assert.True((await store.VerifyAsync(Ct)).Intact);
    }

    public static TheoryData<StorageProvider, string, long, string> Tampering()
    {
        var cases = new (string Sql, long BrokenAt, string Message)[]
        {
            ("UPDATE audit_events SET outcome = 'denied' WHERE seq = 8", 8, "its contents were changed after it was written"),
            ("UPDATE audit_anchor SET hash = 'ffff'", 6, "it does not link to the prune anchor (event 5)"),
            ("DELETE FROM audit_anchor", 6, "expected event 1 (events were removed from the start of the chain without a prune anchor)"),
            ("UPDATE audit_anchor SET seq = 7, hash = (SELECT hash FROM audit_events WHERE seq = 7); DELETE FROM audit_events WHERE seq <= 7", 8,
                "the prune anchor says events through 7 were pruned, but the last audit.prune event (11) records pruning through event 5"),
            ("UPDATE audit_events SET details = replace(details, '\"pruned\":5', '\"pruned\":1') WHERE seq = 11", 11, "its contents were changed after it was written"),
        };
        var data = new TheoryData<StorageProvider, string, long, string>();
        foreach (var provider in new[] { StorageProvider.Sqlite, StorageProvider.PostgreSql })
        {
            foreach (var (sql, brokenAt, message) in cases)
            {
                data.Add(provider, sql, brokenAt, message);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Tampering))]
    public async Task PruneThenTamper_VerifyReportsExactlyWhere(StorageProvider provider, string tamper, long brokenAt, string message)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var store = new SqlAuditStore(db.Database, new FakeTimeProvider(T0.AddDays(1)));
        await AppendAsync(store, 10, T0);
        await store.PruneAsync(T0.AddMinutes(5), 1000, "operator", Ct);

        await MigrationRunnerTests.Exec(db, tamper);
        var verification = await store.VerifyAsync(Ct);

        Assert.False(verification.Intact);
        Assert.Equal(brokenAt, verification.BrokenAtSeq);
        Assert.Contains($"Audit chain broken at event {brokenAt}: {message}", verification.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Prune_BrokenChain_RefusesAndDeletesNothing(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var store = new SqlAuditStore(db.Database);
        await AppendAsync(store, 10, T0);
        await MigrationRunnerTests.Exec(db, "UPDATE audit_events SET actor = 'someone-else' WHERE seq = 3");
        var before = await Snapshot.TakeAsync(db.Database);

        var refused = await Assert.ThrowsAsync<StorageException>(() => store.PruneAsync(T0.AddHours(1), 1000, "operator", Ct));

        Assert.Contains("Audit chain broken at event 3", refused.Message, StringComparison.Ordinal);
        Assert.Contains("switchboard audit verify", refused.Message, StringComparison.Ordinal);
        Snapshot.Equal(before, await Snapshot.TakeAsync(db.Database));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Prune_TwoReplicasWhileAppending_KeepOneIntactChain(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await AppendAsync(new SqlAuditStore(db.Database), 300, T0);
        await using var otherReplica = provider == StorageProvider.PostgreSql
            ? (StorageDatabase)new PostgreSqlStorageDatabase(db.ConnectionString)
            : new SqliteStorageDatabase(db.ConnectionString);
        await using var appender = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        var cutoff = T0.AddDays(1);

        async Task<List<AuditPruneResult>> PruneAllAsync(IAuditStore store)
        {
            var results = new List<AuditPruneResult>();
            do
            {
                results.Add(await store.PruneAsync(cutoff, 25, "replica", Ct));
            }
            while (results[^1].More);
            return results;
        }

        var appends = Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(
            () => appender.AppendAsync(new AuditEventDraft(cutoff.AddMinutes(i), $"live{i}", "tools/call", null, "ok", null), Ct), Ct)));
        var pruners = await Task.WhenAll(
            Task.Run(() => PruneAllAsync(new SqlAuditStore(db.Database)), Ct),
            Task.Run(() => PruneAllAsync(new SqlAuditStore(otherReplica)), Ct));
        await appends;
        var verification = await appender.VerifyAsync(Ct);

        var batches = pruners.SelectMany(r => r).Where(b => b.Pruned > 0).ToList();
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(300, batches.Sum(b => b.Pruned));
        Assert.Equal(300, verification.Anchor!.PrunedCount);
        Assert.Equal(300, verification.Anchor.Seq);
        Assert.Equal(200 + batches.Count, verification.Checked);
    }
}
