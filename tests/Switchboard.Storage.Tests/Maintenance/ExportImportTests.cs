using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Maintenance;

public sealed class ExportImportTests
{
    // The tables an export written at schema version 2 holds.
    private static readonly string[] Version2Tables = ["principals", "roles", "principal_roles", "api_keys", "audit_events", "servers"];

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
        await Seed.PruneAsync(source);
        var file = Path.Combine(source.Scratch, "export.zip");

        var export = await source.Commands.ExportAsync(file, Ct);
        var import = await target.Commands.ImportAsync(file, Ct);

        Assert.True(export.Succeeded, export.Message);
        Assert.True(import.Succeeded, import.Message);
        Assert.Contains("4 audit_events, 1 audit_anchor", export.Message, StringComparison.Ordinal);
        Snapshot.Equal(await Snapshot.TakeAsync(source.Database), await Snapshot.TakeAsync(target.Database));
        var verification = await target.Audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(2, verification.Anchor?.Seq);
        Assert.True((await target.Runner.GetStatusAsync(Ct)).IsCurrent);

        // The imported database keeps working: the audit chain continues from the imported tail (event 6 is the prune).
        var next = await target.Audit.AppendAsync(new Model.AuditEventDraft(Seed.T0, "p1", "keys.create", null, "allowed", null), Ct);
        Assert.Equal(7, next.Seq);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Import_ExportOfAnOlderSchema_LoadsItThenMigrates(StorageProvider provider)
    {
        await using var source = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        await using var target = await TestDatabase.CreateAsync(provider);
        await Seed.FillAsync(source);
        var file = Path.Combine(source.Scratch, "export.zip");
        Assert.True((await source.Commands.ExportAsync(file, Ct)).Succeeded);
        await RewriteAsVersion2Async(file);

        var import = await target.Commands.ImportAsync(file, Ct);

        Assert.True(import.Succeeded, import.Message);
        Assert.Contains("(schema version 2)", import.Message, StringComparison.Ordinal);
        Assert.Contains($"Then migrated to schema version {MigrationCatalog.LatestVersion}", import.Message, StringComparison.Ordinal);
        // The version-2 tables arrive row for row; the later ones exist, empty.
        var (expected, actual) = (await Snapshot.TakeAsync(source.Database), await Snapshot.TakeAsync(target.Database));
        Snapshot.Equal(expected.Where(t => Version2Tables.Contains(t.Key)).ToDictionary(), actual.Where(t => Version2Tables.Contains(t.Key)).ToDictionary());
        Assert.All(actual.Where(t => !Version2Tables.Contains(t.Key)), t => Assert.Empty(t.Value));
        Assert.True((await target.Audit.VerifyAsync(Ct)).Intact);
    }

    // What an export written by a build at schema version 2 holds.
    private static async Task RewriteAsVersion2Async(string file)
    {
        using var zip = ZipFile.Open(file, ZipArchiveMode.Update);
        var manifestEntry = zip.GetEntry("manifest.json")!;
        JsonNode manifest;
        await using (var read = await manifestEntry.OpenAsync(Ct))
        {
            manifest = (await JsonNode.ParseAsync(read, cancellationToken: Ct))!;
        }

        manifest["schemaVersion"] = 2;
        var tables = manifest["tables"]!.AsArray();
        foreach (var later in tables.Where(t => !Version2Tables.Contains((string?)t!["name"])).ToList())
        {
            zip.GetEntry($"tables/{(string?)later!["name"]}.jsonl")!.Delete();
            tables.Remove(later);
        }

        manifestEntry.Delete();
        await using var write = await zip.CreateEntry("manifest.json").OpenAsync(Ct);
        await JsonSerializer.SerializeAsync(write, manifest, cancellationToken: Ct);
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
