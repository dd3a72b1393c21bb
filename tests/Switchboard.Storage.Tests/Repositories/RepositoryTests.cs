using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Infrastructure;
using Switchboard.Storage.Tests.Migrations;

namespace Switchboard.Storage.Tests.Repositories;

public sealed class RepositoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Principals_AndRoles_RoundTrip(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        Assert.False(await db.Principals.AnyAsync(Ct));
        await Seed.FillAsync(db);

        Assert.True(await db.Principals.AnyAsync(Ct));
        var alice = await db.Principals.FindByNameAsync("alice", Ct);
        Assert.Equal(new Principal("p1", "alice", "user", "Alice Ä \"quoted\"", Seed.T0), alice);
        Assert.Equal(Seed.T0.AddDays(2), (await db.Principals.GetAsync("p2", Ct))!.DisabledAt);
        Assert.Equal(["alice", "robot"], (await db.Principals.ListAsync(Ct)).Select(p => p.Name));
        Assert.Equal(["admin", "viewer"], await db.Principals.GetRoleNamesAsync("p1", Ct));
        var viewer = (await db.Principals.ListRolesAsync(Ct)).Single(r => r.Name == "viewer");
        Assert.Equal(["resources:read", "tools:call filesystem/read_*"], viewer.Permissions);
        Assert.False(viewer.BuiltIn);
        Assert.Equal(Seed.T0.AddTicks(1234560), viewer.CreatedAt); // microsecond precision on both engines

        await db.Principals.SetRolesAsync("p1", ["viewer"], Ct);
        Assert.Equal(["viewer"], await db.Principals.GetRoleNamesAsync("p1", Ct));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Roles_CountHoldersWithLiveKeys_AndDeleteWithTheirGrants(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);
        await db.Principals.UpsertRoleAsync(new Role("unused", null, ["admin:audit"], false, Seed.T0), Ct);

        // p1 and p2 hold viewer, but p2's only key is revoked.
        Assert.Equal(1, await db.Principals.CountRoleHoldersAsync("viewer", Ct));
        Assert.Equal(0, await db.Principals.CountRoleHoldersAsync("unused", Ct));
        Assert.True(await db.Principals.DeleteRoleAsync("unused", Ct));
        Assert.False(await db.Principals.DeleteRoleAsync("unused", Ct));
        Assert.True(await db.Principals.DeleteRoleAsync("viewer", Ct));
        Assert.Equal(["admin"], await db.Principals.GetRoleNamesAsync("p1", Ct));
        Assert.Empty(await db.Principals.GetRoleNamesAsync("p2", Ct));
        Assert.Equal(["admin"], (await db.Principals.ListRolesAsync(Ct)).Select(r => r.Name));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task SigningKeys_OldestFirst_DuplicateIdRefused(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await db.SigningKeys.CreateAsync(new SigningKey("b", "secret-b", Seed.T0.AddMinutes(1)), Ct);
        await db.SigningKeys.CreateAsync(new SigningKey("a", "secret-a", Seed.T0), Ct);

        var duplicate = await Assert.ThrowsAsync<StorageConflictException>(() => db.SigningKeys.CreateAsync(new SigningKey("a", "other", Seed.T0), Ct));

        Assert.Equal(["a", "b"], (await db.SigningKeys.ListAsync(Ct)).Select(k => k.Id));
        Assert.Contains("'a'", duplicate.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Principals_DuplicateNameOrUnknownRole_ClearErrors(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);

        var duplicate = await Assert.ThrowsAsync<StorageConflictException>(() => db.Principals.CreateAsync(new Principal("p9", "alice", "user", null, Seed.T0), Ct));
        var unknownRole = await Assert.ThrowsAsync<StorageException>(() => db.Principals.SetRolesAsync("p1", ["admin", "nope"], Ct));

        Assert.Contains("'alice'", duplicate.Message, StringComparison.Ordinal);
        Assert.Contains("'nope'", unknownRole.Message, StringComparison.Ordinal);
        Assert.Equal(["admin", "viewer"], await db.Principals.GetRoleNamesAsync("p1", Ct)); // rolled back
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task ApiKeys_CreateFindRevokeTouch(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);

        var found = await db.ApiKeys.FindByPrefixAsync("sb_live_aaaa", Ct);
        Assert.Equal(new ApiKeyRecord("k1", "p1", "laptop", "sb_live_aaaa", "hash-1", Seed.T0, null, null, Seed.T0.AddHours(3)), found);
        Assert.Null(await db.ApiKeys.FindByPrefixAsync("sb_live_zzzz", Ct));
        await Assert.ThrowsAsync<StorageConflictException>(() => db.ApiKeys.CreateAsync(found! with { Id = "k9" }, Ct));

        Assert.True(await db.ApiKeys.RevokeAsync("k1", Seed.T0.AddDays(5), Ct));
        Assert.False(await db.ApiKeys.RevokeAsync("k1", Seed.T0.AddDays(6), Ct));
        Assert.False(await db.ApiKeys.RevokeAsync("missing", Seed.T0, Ct));
        Assert.Equal(Seed.T0.AddDays(5), (await db.ApiKeys.GetAsync("k1", Ct))!.RevokedAt);

        await db.ApiKeys.TouchLastUsedAsync("k1", Seed.T0.AddHours(1), Ct); // older: ignored
        Assert.Equal(Seed.T0.AddHours(3), (await db.ApiKeys.GetAsync("k1", Ct))!.LastUsedAt);
        await db.ApiKeys.TouchLastUsedAsync("k1", Seed.T0.AddHours(9), Ct);
        Assert.Equal(Seed.T0.AddHours(9), (await db.ApiKeys.GetAsync("k1", Ct))!.LastUsedAt);

        Assert.Equal(["k2", "k1"], (await db.ApiKeys.ListAsync(cancellationToken: Ct)).Select(k => k.Id));
        Assert.Equal(["k2"], (await db.ApiKeys.ListAsync("p2", Ct)).Select(k => k.Id));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Servers_UpsertListDelete(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);

        var changed = (await db.Servers.GetAsync("remote", Ct))! with { Enabled = true, Endpoint = "https://other/mcp", UpdatedAt = Seed.T0.AddDays(1) };
        await db.Servers.UpsertAsync(changed, Ct);

        Assert.Equal(changed, await db.Servers.GetAsync("remote", Ct));
        Assert.Equal(["filesystem", "remote"], (await db.Servers.ListAsync(Ct)).Select(s => s.Name));
        Assert.True(await db.Servers.DeleteAsync("remote", Ct));
        Assert.False(await db.Servers.DeleteAsync("remote", Ct));
        Assert.Null(await db.Servers.GetAsync("remote", Ct));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Audit_AppendQueryVerify(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);

        Assert.Equal([1L, 3, 5], (await db.Audit.QueryAsync(new AuditQuery(Actor: "p1"), Ct)).Select(e => e.Seq));
        Assert.Equal([4L], (await db.Audit.QueryAsync(new AuditQuery(From: Seed.T0.AddSeconds(2), To: Seed.T0.AddSeconds(4), Actor: "p2"), Ct)).Select(e => e.Seq));
        Assert.Equal([3L, 4], (await db.Audit.QueryAsync(new AuditQuery(AfterSeq: 2, Limit: 2), Ct)).Select(e => e.Seq));
        Assert.Equal([3L], (await db.Audit.QueryAsync(new AuditQuery(Target: "filesystem/read_2"), Ct)).Select(e => e.Seq));
        Assert.Equal([4L], (await db.Audit.QueryAsync(new AuditQuery(Outcome: "denied"), Ct)).Select(e => e.Seq));
        Assert.Equal([2L], (await db.Audit.QueryAsync(new AuditQuery(Actor: "p2", Outcome: "allowed"), Ct)).Select(e => e.Seq));
        Assert.Empty(await db.Audit.QueryAsync(new AuditQuery(Target: "filesystem/read_3", Outcome: "allowed"), Ct));
        var verification = await db.Audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(5, verification.Checked);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Audit_EditedRow_VerifyReportsWhereTheChainBreaks(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await Seed.FillAsync(db);

        await MigrationRunnerTests.Exec(db, "UPDATE audit_events SET outcome = 'allowed' WHERE seq = 4");
        var verification = await db.Audit.VerifyAsync(Ct);

        Assert.False(verification.Intact);
        Assert.Equal(4, verification.BrokenAtSeq);
        Assert.Contains("event 4", verification.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Audit_ConcurrentAppends_FormOneUnbrokenChain(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var audit = db.Audit;

        await Task.WhenAll(Enumerable.Range(0, 24).Select(i => Task.Run(
            () => audit.AppendAsync(new AuditEventDraft(Seed.T0, $"actor{i}", "tools/call", null, "allowed", null), Ct), Ct)));

        var verification = await audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(24, verification.Checked);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Audit_GroupCommit_EveryCallerGetsItsOwnCommittedEvent_InOneUnbrokenChain(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));

        var appended = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(
            () => audit.AppendAsync(new AuditEventDraft(Seed.T0, $"actor{i}", "tools/call", $"t/{i}", "ok", null), Ct), Ct)));

        var verification = await audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(200, verification.Checked);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), appended.Select(e => e.Seq).Order());
        Assert.All(appended, e => Assert.Equal($"t/{e.Actor["actor".Length..]}", e.Target));
    }
}
