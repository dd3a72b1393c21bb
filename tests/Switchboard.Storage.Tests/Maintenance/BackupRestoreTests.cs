using Switchboard.Storage.Tests.Infrastructure;
using Switchboard.Storage.Tests.Migrations;

namespace Switchboard.Storage.Tests.Maintenance;

public sealed class BackupRestoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Backup_Wipe_Restore_RowForRow(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);
        await Seed.PruneAsync(db);
        var before = await Snapshot.TakeAsync(db.Database);
        var file = Path.Combine(db.Scratch, "backups", "switchboard.backup");

        var backup = await db.Commands.BackupAsync(file, Ct);
        Assert.True(backup.Succeeded, backup.Message);
        await WipeAsync(db);
        Assert.Equal(0, (await db.Runner.GetStatusAsync(Ct)).CurrentVersion);
        var restore = await db.Commands.RestoreAsync(file, Ct);

        Assert.True(restore.Succeeded, restore.Message);
        Snapshot.Equal(before, await Snapshot.TakeAsync(db.Database));
        Assert.True((await db.Runner.GetStatusAsync(Ct)).IsCurrent);
        var verification = await db.Audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(2, verification.Anchor?.Seq);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Backup_ExistingFile_RefusesToOverwrite(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var file = Path.Combine(db.Scratch, "taken");
        await File.WriteAllTextAsync(file, "keep me", Ct);

        var result = await db.Commands.BackupAsync(file, Ct);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("already exists", result.Message, StringComparison.Ordinal);
        Assert.Equal("keep me", await File.ReadAllTextAsync(file, Ct));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Restore_NotABackup_RefusesAndLeavesDatabaseAsItWas(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);
        var before = await Snapshot.TakeAsync(db.Database);
        var file = Path.Combine(db.Scratch, "garbage.backup");
        var garbage = new byte[4096];
        new Random(7).NextBytes(garbage);
        await File.WriteAllBytesAsync(file, garbage, Ct);

        var result = await db.Commands.RestoreAsync(file, Ct);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Nothing was changed", result.Message, StringComparison.Ordinal);
        Snapshot.Equal(before, await Snapshot.TakeAsync(db.Database));
        Assert.Equal(garbage, await File.ReadAllBytesAsync(file, Ct));
    }

    [Fact]
    public async Task Restore_ForeignSqliteFile_RefusesAndLeavesDatabaseAsItWas()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        await Seed.FillAsync(db);
        var before = await Snapshot.TakeAsync(db.Database);
        await using var foreign = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await MigrationRunnerTests.Exec(foreign, "CREATE TABLE invoices (id INTEGER PRIMARY KEY)");

        var result = await db.Commands.RestoreAsync(foreign.SqliteFile!, Ct);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not a Switchboard database", result.Message, StringComparison.Ordinal);
        Snapshot.Equal(before, await Snapshot.TakeAsync(db.Database));
    }

    private static async Task WipeAsync(TestDatabase db)
    {
        if (db.Provider == StorageProvider.Sqlite)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in Directory.GetFiles(Path.GetDirectoryName(db.SqliteFile!)!, "switchboard.db*"))
            {
                File.Delete(file);
            }
        }
        else
        {
            await MigrationRunnerTests.Exec(db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
        }
    }
}
