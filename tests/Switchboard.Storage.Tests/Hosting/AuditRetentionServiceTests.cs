using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Hosting;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Audit;
using Switchboard.Storage.Tests.Infrastructure;
using Switchboard.Testing;

namespace Switchboard.Storage.Tests.Hosting;

public sealed class AuditRetentionServiceTests
{
    private static readonly DateTimeOffset T0 = Seed.T0;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<IReadOnlyList<AuditEvent>> AppendAsync(SqlAuditStore store, int count, DateTimeOffset start) =>
        AuditRetentionTests.AppendAsync(store, count, start);

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task PrunesAtStartAndEveryInterval(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var now = T0.AddDays(100);
        var time = new FakeTimeProvider(now);
        var store = new SqlAuditStore(db.Database, time);
        await AppendAsync(store, 5, now.AddDays(-40));
        await AppendAsync(store, 3, now.AddDays(-10));
        var options = Options.Create(new AuditOptions { RetentionDays = 30, PruneInterval = TimeSpan.FromHours(1), PruneBatchSize = 2 });
        using var service = new AuditRetentionService(store, new ClusterLeases(db.Database), options, time, NullLogger<AuditRetentionService>.Instance);

        await service.StartAsync(Ct);
        await Poll.UntilAsync(async () => (await store.VerifyAsync(Ct)).Anchor?.Seq == 5, TimeSpan.FromSeconds(30), "The events older than 30 days were not pruned at start");

        // 21 days on, the events that were 10 days old are 31 days old: the next tick prunes them.
        time.Advance(TimeSpan.FromDays(21));
        await Poll.UntilAsync(async () => (await store.VerifyAsync(Ct)).Anchor?.Seq == 8, TimeSpan.FromSeconds(30), "The next interval did not prune");
        await service.StopAsync(Ct);

        var verification = await store.VerifyAsync(Ct);
        var prunes = await store.QueryAsync(new AuditQuery(Action: AuditChain.PruneAction), Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(8, verification.Anchor!.PrunedCount);
        Assert.All(prunes, e => Assert.Equal(AuditRetentionService.Actor, e.Actor));
    }

    [Fact]
    public async Task LeaseHeldByAnotherReplica_DoesNotPrune_ThenTakesOverWhenItIsReleased()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.PostgreSql, migrate: true);
        var now = T0.AddDays(100);
        var time = new FakeTimeProvider(now);
        var store = new SqlAuditStore(db.Database, time);
        await AppendAsync(store, 4, now.AddDays(-40));
        var options = Options.Create(new AuditOptions { RetentionDays = 30, PruneInterval = TimeSpan.FromHours(1) });

        // The other replica: its own connection pool, as another process has.
        await using var otherReplica = new Database.PostgreSqlStorageDatabase(db.ConnectionString);
        await using var otherLease = new ClusterLeases(otherReplica).Create(AuditRetentionService.LeaseName);
        Assert.True(await otherLease.TryHoldAsync(Ct));
        var logs = new RecordingLoggerFactory();
        using var service = new AuditRetentionService(store, new ClusterLeases(db.Database, logs), options, time, NullLogger<AuditRetentionService>.Instance);
        int HeldElsewhere() => logs.Count(ClusterLease.HeldElsewhereEvent);

        await service.StartAsync(Ct);
        await Poll.UntilAsync(() => HeldElsewhere() == 1, TimeSpan.FromSeconds(30), "The service never found the lease held elsewhere");
        time.Advance(options.Value.PruneInterval);
        await Poll.UntilAsync(() => HeldElsewhere() == 2, TimeSpan.FromSeconds(30), "The service did not try the lease again at the next interval");
        Assert.Null((await store.VerifyAsync(Ct)).Anchor);

        await otherLease.ReleaseAsync();
        time.Advance(options.Value.PruneInterval);
        await Poll.UntilAsync(async () => (await store.VerifyAsync(Ct)).Anchor?.Seq == 4, TimeSpan.FromSeconds(30), "The service did not take over once the lease was free");
        await service.StopAsync(Ct);
    }

    [Fact]
    public async Task RetentionZero_NeverPrunes()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        var time = new FakeTimeProvider(T0.AddDays(1000));
        var store = new SqlAuditStore(db.Database, time);
        await AppendAsync(store, 3, T0);
        using var service = new AuditRetentionService(store, new ClusterLeases(db.Database), Options.Create(new AuditOptions()), time, NullLogger<AuditRetentionService>.Instance);

        await service.StartAsync(Ct);
        await service.ExecuteTask!;

        var verification = await store.VerifyAsync(Ct);
        Assert.Null(verification.Anchor);
        Assert.Equal(3, verification.Checked);
    }

}
