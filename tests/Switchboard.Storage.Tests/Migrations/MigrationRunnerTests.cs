using Switchboard.Storage.Maintenance;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Migrations;

public sealed class MigrationRunnerTests
{
    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Migrate_EmptyDatabase_AppliesEveryMigrationAndReportsThem(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);

        var result = await db.Commands.MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, result.ExitCode);
        foreach (var migration in MigrationCatalog.For(provider))
        {
            Assert.Contains($"applied {migration.Version:D4}_{migration.Name}", result.Message, StringComparison.Ordinal);
        }

        var status = await db.Runner.GetStatusAsync(TestContext.Current.CancellationToken);
        Assert.True(status.IsCurrent);
        Assert.Empty(status.Pending);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Migrate_Twice_SecondRunAppliesNothing(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);

        var report = await db.Runner.MigrateAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Empty(report.Applied);
        Assert.Equal(MigrationCatalog.LatestVersion, report.FromVersion);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Migrate_FromEveryEarlierVersion_ReachesLatestAndKeepsData(StorageProvider provider)
    {
        for (var start = 1; start < MigrationCatalog.LatestVersion; start++)
        {
            await using var db = await TestDatabase.CreateAsync(provider);
            await db.Runner.MigrateAsync(start, TestContext.Current.CancellationToken);
            Assert.Equal(start, (await db.Runner.GetStatusAsync(TestContext.Current.CancellationToken)).CurrentVersion);
            await Exec(db, $"INSERT INTO principals (id, name, kind, created_at) VALUES ('p', 'n', 'user', {Now(db)})");
            await Exec(db, $"INSERT INTO servers (name, transport, endpoint, enabled, created_at, updated_at) VALUES ('s', 'http', 'http://x', {True(db)}, {Now(db)}, {Now(db)})");

            var report = await db.Runner.MigrateAsync(cancellationToken: TestContext.Current.CancellationToken);

            Assert.Equal(start, report.FromVersion);
            Assert.Equal(MigrationCatalog.LatestVersion, report.ToVersion);
            Assert.Equal(Enumerable.Range(start + 1, MigrationCatalog.LatestVersion - start), report.Applied.Select(m => m.Version));
            Assert.Equal("n", (await db.Principals.GetAsync("p", TestContext.Current.CancellationToken))!.Name);
            Assert.Equal("http://x", (await db.Servers.GetAsync("s", TestContext.Current.CancellationToken))!.Endpoint);

            // The audit trail works on the upgraded schema: append, prune behind the anchor, verify.
            await db.Audit.AppendAsync(new Model.AuditEventDraft(Seed.T0, "p", "tools/call", null, "ok", null), TestContext.Current.CancellationToken);
            await db.Audit.PruneAsync(Seed.T0.AddSeconds(1), 100, "test", TestContext.Current.CancellationToken);
            var verification = await db.Audit.VerifyAsync(TestContext.Current.CancellationToken);
            Assert.True(verification.Intact, verification.Message);
            Assert.Equal(1, verification.Anchor?.Seq);
        }
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Migrate_SchemaNewerThanBuild_RefusesWithUpgradeMessageAndChangesNothing(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var newer = MigrationCatalog.LatestVersion + 7;
        await Exec(db, $"INSERT INTO schema_history (version, name, checksum, applied_at) VALUES ({newer}, 'future', 'x', {Now(db)})");
        var before = await Snapshot.TakeAsync(db.Database);

        var result = await db.Commands.MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Database schema version {newer} is newer than this build supports ({MigrationCatalog.LatestVersion}); upgrade Switchboard", result.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<StorageException>(() => db.Runner.EnsureCurrentAsync(TestContext.Current.CancellationToken));
        Snapshot.Equal(before, await Snapshot.TakeAsync(db.Database));
        Assert.Equal(newer, await Scalar(db, "SELECT MAX(version) FROM schema_history"));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Migrate_ForeignDatabase_RefusesAndCreatesNothing(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await Exec(db, "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)");

        var result = await db.Commands.MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not a Switchboard database", result.Message, StringComparison.Ordinal);
        Assert.Contains("customers", result.Message, StringComparison.Ordinal);
        var tables = provider == StorageProvider.Sqlite
            ? "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'"
            : "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()";
        Assert.Equal(1, await Scalar(db, tables));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Migrate_AppliedScriptWasEdited_Refuses(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Exec(db, "UPDATE schema_history SET checksum = 'deadbeefdeadbeef' WHERE version = 1");

        var result = await db.Commands.MigrateAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("differs from the script in this build", result.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task EnsureCurrent_OlderSchema_TellsOperatorToMigrate(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner.MigrateAsync(1, TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<StorageException>(() => db.Runner.EnsureCurrentAsync(TestContext.Current.CancellationToken));

        Assert.Contains("switchboard migrate", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1, (await db.Commands.StatusAsync(TestContext.Current.CancellationToken)).ExitCode);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task SchemaCatalog_MatchesMigratedTables(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await using var connection = await db.Database.OpenConnectionAsync(TestContext.Current.CancellationToken);
        foreach (var table in SchemaCatalog.Tables)
        {
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT * FROM {table.Name} LIMIT 0";
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            var columns = Enumerable.Range(0, reader.FieldCount).Select(reader.GetName).Order(StringComparer.Ordinal);
            Assert.Equal(table.Columns.Select(c => c.Name).Order(StringComparer.Ordinal), columns);
        }
    }

    [Fact]
    public void Catalog_BothProvidersCarryTheSameVersionsAndNames()
    {
        Assert.True(MigrationCatalog.LatestVersion >= 2);
        Assert.Equal(
            MigrationCatalog.For(StorageProvider.Sqlite).Select(m => (m.Version, m.Name)),
            MigrationCatalog.For(StorageProvider.PostgreSql).Select(m => (m.Version, m.Name)));
    }

    internal static async Task Exec(TestDatabase db, string sql)
    {
        await using var connection = await db.Database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task<long> Scalar(TestDatabase db, string sql)
    {
        await using var connection = await db.Database.OpenConnectionAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static string Now(TestDatabase db) => db.Provider == StorageProvider.Sqlite ? "'2026-01-01T00:00:00.000000Z'" : "now()";

    private static string True(TestDatabase db) => db.Provider == StorageProvider.Sqlite ? "1" : "true";
}
