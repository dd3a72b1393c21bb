using System.IO.Compression;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Maintenance;

public sealed class ExportImportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite, StorageProvider.PostgreSql)]
    [InlineData(StorageProvider.PostgreSql, StorageProvider.Sqlite)]
    [InlineData(StorageProvider.Sqlite, StorageProvider.Sqlite)]
    public async Task Export_Import_MovesEveryRow(StorageProvider from, StorageProvider to)
    {
        await using var source = await TestDatabase.CreateAsync(from, migrate: true);
        await using var target = await TestDatabase.CreateAsync(to);
        await Seed.FillAsync(source);
        var file = Path.Combine(source.Scratch, "export.zip");

        var export = await source.Commands.ExportAsync(file, Ct);
        var import = await target.Commands.ImportAsync(file, Ct);

        Assert.True(export.Succeeded, export.Message);
        Assert.True(import.Succeeded, import.Message);
        Assert.Contains("5 audit_events", export.Message, StringComparison.Ordinal);
        Snapshot.Equal(await Snapshot.TakeAsync(source.Database), await Snapshot.TakeAsync(target.Database));
        Assert.True((await target.Audit.VerifyAsync(Ct)).Intact);
        Assert.True((await target.Runner.GetStatusAsync(Ct)).IsCurrent);

        // The imported database keeps working: the audit chain continues from the imported tail.
        var next = await target.Audit.AppendAsync(new Model.AuditEventDraft(Seed.T0, "p1", "keys.create", null, "allowed", null), Ct);
        Assert.Equal(6, next.Seq);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Import_IntoDatabaseWithData_RefusesAndChangesNothing(StorageProvider provider)
    {
        await using var source = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        await Seed.FillAsync(source);
        var file = Path.Combine(source.Scratch, "export.zip");
        Assert.True((await source.Commands.ExportAsync(file, Ct)).Succeeded);
        await using var target = await TestDatabase.CreateAsync(provider, migrate: true);
        await target.Principals.CreateAsync(new Model.Principal("x", "existing", "user", null, Seed.T0), Ct);
        var before = await Snapshot.TakeAsync(target.Database);

        var result = await target.Commands.ImportAsync(file, Ct);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("already holds rows in principals", result.Message, StringComparison.Ordinal);
        Snapshot.Equal(before, await Snapshot.TakeAsync(target.Database));
    }

    [Fact]
    public async Task Import_NotAnExport_ClearError()
    {
        await using var target = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        var notZip = Path.Combine(target.Scratch, "notes.txt");
        await File.WriteAllTextAsync(notZip, "hello", Ct);
        var otherZip = Path.Combine(target.Scratch, "other.zip");
        using (var zip = ZipFile.Open(otherZip, ZipArchiveMode.Create))
        {
            zip.CreateEntry("readme.md");
        }

        var first = await target.Commands.ImportAsync(notZip, Ct);
        var second = await target.Commands.ImportAsync(otherZip, Ct);

        Assert.Contains("not a Switchboard export", first.Message, StringComparison.Ordinal);
        Assert.Contains("not a Switchboard export", second.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await target.Runner.GetStatusAsync(Ct)).CurrentVersion);
    }
}
