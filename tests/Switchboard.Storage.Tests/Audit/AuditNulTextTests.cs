using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Audit;

/// <summary>
/// U+0000 in an event's text, which callers control (a tool name, a resource URI): PostgreSQL's <c>text</c> refuses
/// it, and the group commit writes many callers' events in one statement, so one such event failed every event that
/// shared its commit. Every provider stores U+FFFD in its place, and hashes what it stores.
/// </summary>
public sealed class AuditNulTextTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task NulInAnyTextField_IsStoredAsReplacementCharacter_AndOtherCallersInTheCommitAreStored(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        AuditEventDraft[] drafts =
        [
            .. Enumerable.Range(0, 30).Select(i => new AuditEventDraft(At, "key:ops", "tools/call", $"t{i}", "ok", "{}")),
            new(At, "a\0actor", "tools/call", "x", "ok", null),
            new(At, "key:ops", "tools/\0call", "x", "ok", null),
            new(At, "key:ops", "tools/call", "a\0b\0", "denied", null),
            new(At, "key:ops", "tools/call", "x", "o\0k", null),
            new(At, "key:ops", "tools/call", "x", "ok", "{\"a\":\"\0\"}"),
            new AuditEventDraft(At, "key:ops", "tools/call", "x", "ok", null) with { Target = "\0" },
        ];

        // All at once, so the hostile events share commits with the others.
        await Task.WhenAll(drafts.Select(d => Task.Run(() => audit.AppendAsync(d, Ct), Ct)));

        var stored = await audit.QueryAsync(new AuditQuery(Limit: 100), Ct);
        Assert.Equal(drafts.Length, stored.Count);
        Assert.All(stored, e => Assert.DoesNotContain('\0', string.Concat(e.Actor, e.Action, e.Target, e.Outcome, e.Details)));
        var expected = drafts.Select(d => Replaced(d.Actor, d.Action, d.Target, d.Outcome, d.Details)).Order().ToList();
        Assert.Equal(expected, stored.Select(e => $"{e.Actor}|{e.Action}|{e.Target}|{e.Outcome}|{e.Details}").Order().ToList());
        var verification = await audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
    }

    private static string Replaced(params string?[] fields) => string.Join('|', fields.Select(f => f?.Replace('\0', '\uFFFD')));
}
