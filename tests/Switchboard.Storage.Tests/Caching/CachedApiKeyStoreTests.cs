using Microsoft.Extensions.DependencyInjection;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Caching;

public sealed class CachedApiKeyStoreTests
{
    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task FindByPrefix_IsCached_AndRevokeInvalidates(StorageProvider provider)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);
        await using var services = db.BuildServices();
        var keys = services.GetRequiredService<IApiKeyStore>();

        var first = await keys.FindByPrefixAsync("sb_live_aaaa", ct);
        await Migrations.MigrationRunnerTests.Exec(db, "UPDATE api_keys SET name = 'changed behind the cache' WHERE id = 'k1'");
        var cached = await keys.FindByPrefixAsync("sb_live_aaaa", ct);
        Assert.Equal("laptop", cached!.Name);
        Assert.Null(await keys.FindByPrefixAsync("sb_live_none", ct));

        Assert.True(await keys.RevokeAsync("k1", Seed.T0.AddDays(1), ct));
        var after = await keys.FindByPrefixAsync("sb_live_aaaa", ct);

        Assert.Equal(first!.Id, after!.Id);
        Assert.Equal(Seed.T0.AddDays(1), after.RevokedAt);
        Assert.Equal("changed behind the cache", after.Name);
    }
}
