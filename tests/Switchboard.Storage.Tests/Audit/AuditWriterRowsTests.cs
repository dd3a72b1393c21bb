using Switchboard.Storage.Audit;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Audit;

/// <summary>
/// The group commit's writer stores exactly what it was given and hashes what it stores. On SQLite it binds each
/// field's UTF-8 from the buffer its hash was computed over, through SQLitePCL directly (issue 18), and that buffer is
/// reused from event to event, grown for a large event and shrunk again: these tests hold every column, the empty
/// string apart from NULL, multi-byte text, a value larger than the buffer, and the order and links of a batch.
/// </summary>
public sealed class AuditWriterRowsTests
{
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 7, 28, 14, 34, 56, TimeSpan.FromHours(2)).AddTicks(1_234_567);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Writer_StoresEveryFieldAsGiven_AndHashesWhatItStores(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var store = new SqlAuditStore(db.Database);
        var huge = "{\"a\":\"" + string.Concat(Enumerable.Repeat("é€\U0001D11Ex", 20_000)) + "\"}"; // 200 KB of UTF-8
        AuditEventDraft[] drafts =
        [
            new(At, "key:ops", "tools/call", "utilities__uuid_v4", "ok", """{"durationMs":0.1}"""),
            new(At.AddTicks(1), "", "", "", "", ""),
            new(At.AddTicks(2), "clé:ünïcode", "tools/call", null, "denied", null),
            new(At.AddTicks(3), "key:ops", "tools/call", "big", "ok", huge),
            new(At.AddTicks(4), "key:ops", "tools/call", "small after big", "ok", "{}"),
            new(At.AddSeconds(-5), "line\nbreak\ttab", "a\u0001", "t", "ok", "\u2028"),
        ];

        IReadOnlyList<AuditEvent> appended;
        using (var appender = store.CreateBatchAppender())
        {
            appended = appender.Append(drafts);
        }

        var stored = await store.QueryAsync(new AuditQuery(Limit: 100), Ct);
        Assert.Equal(appended, stored);
        for (int i = 0; i < drafts.Length; i++)
        {
            var (draft, e) = (drafts[i], stored[i]);
            Assert.Equal(i + 1, e.Seq);
            Assert.Equal(StorageDatabase.Normalize(draft.OccurredAt), e.OccurredAt);
            Assert.Equal((draft.Actor, draft.Action, draft.Target, draft.Outcome, draft.Details), (e.Actor, e.Action, e.Target, e.Outcome, e.Details));
            Assert.Equal(i == 0 ? null : stored[i - 1].Hash, e.PrevHash);
            Assert.Equal(AuditChain.ComputeHash(e.Seq, e.PrevHash, e.OccurredAt, e.Actor, e.Action, e.Target, e.Outcome, e.Details), e.Hash);
        }

        var verification = await store.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(drafts.Length, verification.Checked);
    }

    [Fact]
    public async Task Sqlite_WriterStoresTheSameColumnTypesAndTimestampTextAsBefore()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        var store = new SqlAuditStore(db.Database);
        using (var appender = store.CreateBatchAppender())
        {
            appender.Append([new(At, "key:ops", "tools/call", "", "ok", null)]);
        }

        await using var connection = await db.Database.OpenConnectionAsync(Ct);
        await using var command = connection.Command(
            "SELECT typeof(seq), typeof(occurred_at), occurred_at, typeof(target), typeof(details), typeof(prev_hash), typeof(hash), length(hash) FROM audit_events");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal(
            ["integer", "text", "2026-07-28T12:34:56.123456Z", "text", "null", "null", "text", "64"],
            Enumerable.Range(0, reader.FieldCount).Select(i => Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Sqlite_WriterStoresTimestampsAsTheFormatString_AtTheEdgesOfTheCalendar()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        var store = new SqlAuditStore(db.Database);
        DateTimeOffset[] stamps =
        [
            DateTimeOffset.MinValue, DateTimeOffset.MaxValue, new(2026, 2, 28, 23, 59, 59, TimeSpan.FromHours(-14)),
            new(999, 9, 9, 9, 9, 9, 9, TimeSpan.FromHours(14)), new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero).AddTicks(9),
        ];
        using (var appender = store.CreateBatchAppender())
        {
            appender.Append([.. stamps.Select(at => new AuditEventDraft(at, "a", "b", null, "c", null))]);
        }

        await using var connection = await db.Database.OpenConnectionAsync(Ct);
        await using var command = connection.Command("SELECT occurred_at FROM audit_events ORDER BY seq");
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var stored = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            stored.Add(reader.GetString(0));
        }

        Assert.Equal(stamps.Select(at => StorageDatabase.Normalize(at).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture)), stored);
        Assert.True((await store.VerifyAsync(Ct)).Intact);
    }

    [Fact]
    public void ComputeHash_KeepsItsPinnedValues_AcrossABufferGrownForALargeEventAndShrunkAgain()
    {
        // The values AuditChainHashTests pins, computed in a row on one thread: the encoding buffer is reused.
        var details = "{\"a\":\"" + string.Concat(Enumerable.Repeat("é€\U0001D11Ex", 300)) + "\"}";
        string Short() => AuditChain.ComputeHash(7, null, At, "key:ops", "tools/call", "utilities__uuid_v4", "allowed", null);
        string Long() => AuditChain.ComputeHash(8, string.Concat(Enumerable.Repeat("ab", 32)), At, "clé:ünïcode", "tools/call", null, "denied", details);
        string Huge() => AuditChain.ComputeHash(9, null, At, "a", "b", null, "c", new string('x', 100_000));

        var hugeOnce = Huge();
        Assert.Equal(
            ["8c5c600cd77d53f1164df10c9303a6769a96ce4d01c39f35d151ffeaea1c51e9", "579284732b151cac5bee6d693010b9e37bade170c3f73bb2ecf4d1a1d873374a", hugeOnce, "8c5c600cd77d53f1164df10c9303a6769a96ce4d01c39f35d151ffeaea1c51e9", "579284732b151cac5bee6d693010b9e37bade170c3f73bb2ecf4d1a1d873374a"],
            new[] { Short(), Long(), Huge(), Short(), Long() });
    }
}
