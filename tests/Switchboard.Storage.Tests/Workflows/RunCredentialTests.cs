using Switchboard.Storage.Tests.Infrastructure;
using Switchboard.Storage.Workflows;
using static Switchboard.Storage.Tests.Migrations.MigrationRunnerTests;

namespace Switchboard.Storage.Tests.Workflows;

/// <summary>
/// <c>workflow_runs.credential</c> (schema version 9): a run records the key that started it, and a run started before
/// the column existed reads as started without one.
/// </summary>
public sealed class RunCredentialTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task CreateRun_WithAndWithoutCredential_ReadsBackAsStored(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var store = new WorkflowStore(db.Database, TimeProvider.System);

        var byKey = await store.CreateRunAsync("w", 1, "p", ["agent"], "sb_abcdefghijkl", "{}", [], cancellationToken: Ct);
        var byToken = await store.CreateRunAsync("w", 1, "p", ["agent"], null, "{}", [], cancellationToken: Ct);

        Assert.Equal("sb_abcdefghijkl", (await store.GetRunAsync(byKey.Run.Id, "p", Ct))!.Run.Credential);
        Assert.Null((await store.GetRunAsync(byToken.Run.Id, "p", Ct))!.Run.Credential);
        Assert.Equal(["sb_abcdefghijkl", null], (await store.ListRunsAsync("p", 10, cancellationToken: Ct)).OrderBy(r => r.Id == byToken.Run.Id).Select(r => r.Credential));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Migrate_RunStartedBeforeVersion9_HasNoCredential(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await db.Runner.MigrateAsync(8, Ct);
        await Exec(db, $"INSERT INTO workflow_runs (id, workflow, version, principal_id, inputs, state, created_at, updated_at) VALUES ('old', 'w', 1, 'p', '{{}}', 'running', {Now(db)}, {Now(db)})");

        var report = await db.Runner.MigrateAsync(cancellationToken: Ct);

        Assert.Contains(report.Applied, m => m.Version == 9 && m.Name == "run_credential");
        var run = (await new WorkflowStore(db.Database, TimeProvider.System).GetRunAsync("old", "p", Ct))!.Run;
        Assert.Equal(RunState.Running, run.State);
        Assert.Null(run.Credential);
    }
}
