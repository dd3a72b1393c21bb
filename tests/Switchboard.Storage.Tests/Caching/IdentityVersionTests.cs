using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Infrastructure;
using Switchboard.Testing;

namespace Switchboard.Storage.Tests.Caching;

/// <summary>
/// The identity version (migration 5): moved by the database itself with every change to who may do what, and what
/// lets a cached key lookup in one process see a revocation made by another (the CLI, another replica).
/// </summary>
public sealed class IdentityVersionTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task EveryIdentityChange_MovesTheVersion_ALastUsedTouchDoesNot(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var changes = new (string What, Func<Task> Change)[]
        {
            ("role created", () => db.Principals.UpsertRoleAsync(new Role("reader", null, ["tools:call x/*"], false, Seed.T0), Ct)),
            ("role changed", () => db.Principals.UpsertRoleAsync(new Role("reader", "now described", ["tools:call y/*"], false, Seed.T0), Ct)),
            ("principal created", () => db.Principals.CreateAsync(new Principal("p1", "alice", "service", null, Seed.T0), Ct)),
            ("roles granted", () => db.Principals.SetRolesAsync("p1", ["reader"], Ct)),
            ("key created", () => db.ApiKeys.CreateAsync(new ApiKeyRecord("k1", "p1", "laptop", "sbk_aaaa", "hash", Seed.T0, null), Ct)),
            ("key revoked", async () => Assert.True(await db.ApiKeys.RevokeAsync("k1", Seed.T0.AddDays(1), Ct))),
            ("roles withdrawn", () => db.Principals.SetRolesAsync("p1", [], Ct)),
            ("role deleted", async () => Assert.True(await db.Principals.DeleteRoleAsync("reader", Ct))),
        };

        foreach (var (what, change) in changes)
        {
            long before = await ReadAsync(db);
            await change();
            Assert.True(await ReadAsync(db) > before, $"{what} did not move the identity version");
        }

        long untouched = await ReadAsync(db);
        await db.ApiKeys.TouchLastUsedAsync("k1", Seed.T0.AddDays(2), Ct);
        Assert.Equal(untouched, await ReadAsync(db));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task KeyRevokedByAnotherProcess_CachedLookupSeesIt_OnceTheWatcherReadsTheVersion(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);
        await using var gateway = db.BuildServices();
        await using var cli = db.BuildServices();
        var keys = gateway.GetRequiredService<IApiKeyStore>();
        Assert.Null((await keys.FindByPrefixAsync("sb_live_aaaa", Ct))!.RevokedAt);

        // Another process revokes: without a new version this one keeps serving its cached record.
        Assert.True(await cli.GetRequiredService<IApiKeyStore>().RevokeAsync("k1", Seed.T0.AddDays(1), Ct));
        Assert.Null((await keys.FindByPrefixAsync("sb_live_aaaa", Ct))!.RevokedAt);

        var watcher = gateway.GetServices<IHostedService>().OfType<Switchboard.Storage.Hosting.IdentityVersionWatcher>().Single();
        await watcher.StartAsync(Ct);
        try
        {
            await Poll.UntilAsync(
                async () => (await keys.FindByPrefixAsync("sb_live_aaaa", Ct))!.RevokedAt is not null,
                Deadline,
                "the revocation made by another process was not seen");
        }
        finally
        {
            await watcher.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ChangeAnnouncedThroughRedis_ReachesAnotherProcessWithoutItsPoll()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        await Seed.FillAsync(db);
        (string, string?)[] redis = [("Redis:ConnectionString", TestServices.Redis), ("Redis:KeyPrefix", $"t{Guid.NewGuid():N}:")];
        await using var gateway = db.BuildServices(redis);
        await using var cli = db.BuildServices(redis);
        await gateway.GetRequiredService<RedisConnection>().StartAsync(Ct);
        var keys = gateway.GetRequiredService<IApiKeyStore>();
        Assert.Null((await keys.FindByPrefixAsync("sb_live_aaaa", Ct))!.RevokedAt);
        int changed = 0;
        gateway.GetRequiredService<IdentityVersion>().Changed += () => Interlocked.Increment(ref changed);

        // No watcher runs here: only the announcement can tell this process.
        Assert.True(await cli.GetRequiredService<IApiKeyStore>().RevokeAsync("k1", Seed.T0.AddDays(1), Ct));

        await Poll.UntilAsync(
            async () => (await keys.FindByPrefixAsync("sb_live_aaaa", Ct))!.RevokedAt is not null,
            Deadline,
            "the announced revocation was not seen");
        Assert.Equal(1, Volatile.Read(ref changed));
    }

    private static Task<long> ReadAsync(TestDatabase db) =>
        Migrations.MigrationRunnerTests.Scalar(db, "SELECT version FROM identity_version WHERE id = 1");
}
