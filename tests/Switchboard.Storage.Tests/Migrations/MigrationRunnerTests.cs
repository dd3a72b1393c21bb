using System.Text.RegularExpressions;
using Switchboard.Storage.Maintenance;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Migrations;

public sealed partial class MigrationRunnerTests
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
    [InlineData(StorageProvider.Sqlite, 2)]
    [InlineData(StorageProvider.PostgreSql, 2)]
    [InlineData(StorageProvider.Sqlite, 7)]
    public async Task Migrate_SchemaBeyondTheCompatibilityWindow_RefusesWithUpgradeMessageAndChangesNothing(StorageProvider provider, int ahead)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var latest = MigrationCatalog.LatestVersion;
        var newer = latest + ahead;
        await Exec(db, $"INSERT INTO schema_history (version, name, checksum, applied_at) VALUES ({newer}, 'future', 'x', {Now(db)})");
        var before = await Snapshot.TakeAsync(db.Database);

        var result = await db.Commands.MigrateAsync(TestContext.Current.CancellationToken);
        var refused = await Assert.ThrowsAsync<StorageException>(() => db.Runner.EnsureServableAsync(TestContext.Current.CancellationToken));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Database schema version {newer} is newer than this build can serve (schema {latest}, and {latest + 1} written by the next release); upgrade Switchboard to a release of schema {newer - 1} or later", result.Message, StringComparison.Ordinal);
        Assert.Equal(result.Message, refused.Message);
        Snapshot.Equal(before, await Snapshot.TakeAsync(db.Database));
        Assert.Equal(newer, await Scalar(db, "SELECT MAX(version) FROM schema_history"));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task SchemaOneNewer_TheNextReleasesAdditiveMigration_IsServedAndUsable(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var next = MigrationCatalog.LatestVersion + 1;
        // What the next release's expand step may do: a new table, a nullable column on a hot table, an index.
        await Exec(db, "CREATE TABLE future_things (id TEXT NOT NULL PRIMARY KEY, note TEXT NULL)");
        await Exec(db, "ALTER TABLE audit_events ADD COLUMN region TEXT NULL");
        await Exec(db, "CREATE INDEX ix_audit_events_region ON audit_events (region)");
        await Exec(db, $"INSERT INTO schema_history (version, name, checksum, applied_at) VALUES ({next}, 'future_things', 'checksum-of-a-script-this-build-lacks', {Now(db)})");

        var status = await db.Runner.EnsureServableAsync(TestContext.Current.CancellationToken);
        var migrate = await db.Commands.MigrateAsync(TestContext.Current.CancellationToken);
        var report = await db.Commands.StatusAsync(TestContext.Current.CancellationToken);

        Assert.True(status.IsAhead && status.IsServable, $"{status}");
        Assert.Empty(status.Pending);
        Assert.Equal(0, migrate.ExitCode);
        Assert.Contains($"is at schema version {next}, written by a newer release; this build ({next - 1}) has nothing to apply and still serves it", migrate.Message, StringComparison.Ordinal);
        Assert.Equal(0, report.ExitCode);
        Assert.Equal(next, await Scalar(db, "SELECT MAX(version) FROM schema_history"));

        // This build's code keeps working on the expanded schema: keys, the audit chain, pruning.
        await db.Principals.CreateAsync(new Model.Principal("p", "n", "service", null, Seed.T0), TestContext.Current.CancellationToken);
        await db.Audit.AppendAsync(new Model.AuditEventDraft(Seed.T0, "p", "tools/call", null, "ok", null), TestContext.Current.CancellationToken);
        await db.Audit.AppendAsync(new Model.AuditEventDraft(Seed.T0.AddSeconds(5), "p", "tools/call", null, "ok", null), TestContext.Current.CancellationToken);
        await db.Audit.PruneAsync(Seed.T0.AddSeconds(1), 100, "test", TestContext.Current.CancellationToken);
        var verification = await db.Audit.VerifyAsync(TestContext.Current.CancellationToken);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal("n", (await db.Principals.GetAsync("p", TestContext.Current.CancellationToken))!.Name);
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
    public async Task EnsureServable_OlderSchema_TellsOperatorToMigrate(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner.MigrateAsync(1, TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAsync<StorageException>(() => db.Runner.EnsureServableAsync(TestContext.Current.CancellationToken));

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

    /// <summary>
    /// Expand/contract: a build serves the next release's schema (<see cref="MigrationCatalog.ForwardCompatibleVersions"/>),
    /// so a migration may only add what older code can ignore. A statement that removes or changes what exists must
    /// say, on a <c>-- contract:</c> line, what it drops and which earlier release stopped using it.
    /// </summary>
    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public void Catalog_EveryMigrationIsAdditive_OrSaysWhatItContracts(StorageProvider provider)
    {
        foreach (var migration in MigrationCatalog.For(provider))
        {
            var contracts = migration.Sql.Contains("-- contract:", StringComparison.Ordinal);
            var code = string.Join('\n', migration.Sql.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal)));
            foreach (var statement in code.Split(';').Select(s => string.Join(' ', s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))))
            {
                var destructive = DestructiveStatement().IsMatch(statement);
                var breaksOldWriters = AddsRequiredColumn().IsMatch(statement) && !statement.Contains(" DEFAULT ", StringComparison.OrdinalIgnoreCase);
                Assert.False(breaksOldWriters, $"{migration.Version:D4}_{migration.Name} adds a NOT NULL column without a DEFAULT, which the previous release's INSERTs would fail on: '{statement}'. Add a DEFAULT, or make it nullable and tighten it a release later.");
                Assert.False(destructive && !contracts, $"{migration.Version:D4}_{migration.Name} removes or changes existing schema ('{statement}') without a '-- contract:' line naming what the previous release no longer uses (docs/storage.md, the compatibility window).");
            }
        }
    }

    [GeneratedRegex(@"\b(DROP\s+(TABLE|COLUMN|VIEW)|RENAME\b|ALTER\s+COLUMN\s+\S+\s+(TYPE|SET\s+NOT\s+NULL)|ALTER\s+TABLE\s+\S+\s+ALTER\s+\S+\s+TYPE)", RegexOptions.IgnoreCase)]
    private static partial Regex DestructiveStatement();

    [GeneratedRegex(@"\bADD\s+(COLUMN\s+)?\S+\s+[^,]*\bNOT\s+NULL\b", RegexOptions.IgnoreCase)]
    private static partial Regex AddsRequiredColumn();

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
