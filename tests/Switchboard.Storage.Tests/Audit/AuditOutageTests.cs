using Switchboard.Storage.Database;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Testing;

namespace Switchboard.Storage.Tests.Audit;

/// <summary>
/// After an append fails because the database went away, the store says so before the next piece of work runs, and
/// stops saying so once the database answers again. On a private PostgreSQL the test can stop and start.
/// </summary>
public sealed class AuditOutageTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AfterAFailedAppend_EnsureWritableRefusesUntilTheDatabaseIsBack()
    {
        await using var postgres = await PostgresProcess.StartAsync(Ct);
        await using var database = new PostgreSqlStorageDatabase(postgres.ConnectionString);
        await new MigrationRunner(database).MigrateAsync(cancellationToken: Ct);
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(database));
        await audit.AppendAsync(Draft("before"), Ct);

        await audit.EnsureWritableAsync(Ct); // appends succeed: nothing to check
        await postgres.StopAsync(PostgresStopMode.Immediate, Ct);
        await Assert.ThrowsAsync<StorageUnavailableException>(() => audit.AppendAsync(Draft("during"), Ct));
        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(async () => await audit.EnsureWritableAsync(Ct));
        await postgres.StartAgainAsync(Ct);
        await Poll.UntilAsync(async () =>
        {
            try
            {
                await audit.EnsureWritableAsync(Ct);
                return true;
            }
            catch (StorageUnavailableException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), "EnsureWritableAsync kept refusing after PostgreSQL came back");
        await audit.AppendAsync(Draft("after"), Ct);

        Assert.Contains("PostgreSQL", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["before", "after"], (await audit.QueryAsync(new AuditQuery(Actor: "outage-test"), Ct)).Select(e => e.Target));
        Assert.True((await audit.VerifyAsync(Ct)).Intact);
    }

    private static AuditEventDraft Draft(string target) => new(DateTimeOffset.UtcNow, "outage-test", "test.event", target, "ok", null);
}
