using System.Collections.Concurrent;
using System.Diagnostics;
using Switchboard.Storage.Diagnostics;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Infrastructure;
using Switchboard.Storage.Tests.Migrations;

namespace Switchboard.Storage.Tests.Audit;

/// <summary>
/// Batches of the audit group commit, formed on purpose: the test holds the append lock, so the writer waits inside
/// one commit while the next batch queues up behind it. Which callers shared a commit is read from the commit span's
/// links (one per caller).
/// </summary>
public sealed class GroupCommitBatchTests
{
    private const string CallersSource = "Switchboard.Storage.Tests.AuditCallers";
    private static readonly ActivitySource Callers = new(CallersSource);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task QueuedAppends_ShareOneCommit_AndTheChainHoldsAcrossBatches(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        using var commits = new CommitRecorder();

        var (first, queued) = await QueueBehindAHeldCommitAsync(
            db, audit, commits, Enumerable.Range(0, 40).Select(i => i % 3 == 0 ? Draft(null) : Draft($"q{i}")));
        // Unbatched appends at the same time, from many threads, after the held batch.
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => Task.Run(() => audit.AppendAsync(Draft($"c{i}"), Ct), Ct)));
        var appended = (await Task.WhenAll(queued.Select(q => q.Append))).Prepend(await first.Append).Concat(concurrent).ToList();

        // Everything queued behind the held commit went into the next one, in the order it was queued.
        Assert.Equal(queued.Select(q => q.Caller), commits.BatchOf(queued[0].Caller));
        Assert.Equal(Enumerable.Range(2, 40).Select(i => (long)i), (await Task.WhenAll(queued.Select(q => q.Append))).Select(e => e.Seq));
        var stored = await audit.QueryAsync(new AuditQuery(Limit: 1000), Ct);
        Assert.Equal(appended.OrderBy(e => e.Seq), stored); // each caller got exactly the event that was stored
        Assert.Equal(Enumerable.Range(1, 101).Select(i => (long)i), stored.Select(e => e.Seq));
        Assert.Contains(stored, e => e.Target is null && e.Details is null); // nulls survive the batched insert
        var verification = await audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
        Assert.Equal(101, verification.Checked);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task FailedCommit_FailsEveryCallerInItsBatch_AndLaterAppendsContinueTheDurableChain(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        await RejectTargetAsync(db, "poison");
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        using var commits = new CommitRecorder();

        var (first, queued) = await QueueBehindAHeldCommitAsync(db, audit, commits, new[] { "a", "b", "poison", "c", "d" }.Select(t => Draft(t)));
        var firstEvent = await first.Append;
        var failures = new List<Exception>();
        foreach (var (_, append) in queued)
        {
            failures.Add(await Assert.ThrowsAnyAsync<Exception>(() => append));
        }

        var later = new List<AuditEvent>();
        for (int i = 0; i < 3; i++)
        {
            later.Add(await audit.AppendAsync(Draft($"later{i}"), Ct));
        }

        // The whole batch failed with the one error of its commit; none of its events was written or numbered.
        Assert.Equal(queued.Select(q => q.Caller), commits.BatchOf(queued[0].Caller));
        Assert.All(failures, f => Assert.Same(failures[0], f));
        Assert.Contains("poison", failures[0].Message, StringComparison.Ordinal);
        Assert.Equal(1, firstEvent.Seq);
        Assert.Equal([2L, 3, 4], later.Select(e => e.Seq));
        Assert.Equal(firstEvent.Hash, later[0].PrevHash);
        var stored = await audit.QueryAsync(new AuditQuery(Limit: 100), Ct);
        Assert.Equal(later.Prepend(firstEvent), stored);
        var verification = await audit.VerifyAsync(Ct);
        Assert.True(verification.Intact, verification.Message);
    }

    [Fact]
    public async Task PostgreSql_ABatchIsTwoCommandsWhateverItsSize()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.PostgreSql, migrate: true);
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        using var commits = new CommitRecorder();

        var (_, queued) = await QueueBehindAHeldCommitAsync(db, audit, commits, Enumerable.Range(0, 50).Select(i => Draft($"q{i}")));
        await Task.WhenAll(queued.Select(q => q.Append));

        // One statement per event held the append lock for a round trip per event. Two commands remain, each one round
        // trip: the lock with the tail (they were two), and one INSERT for the lot (the COMMIT is the transaction's,
        // not a command).
        Assert.Equal(50, commits.BatchOf(queued[0].Caller).Count);
        Assert.Equal(2, commits.StatementsOf(queued[0].Caller));
    }

    // Holds the append lock, appends one event and waits until the writer has taken it into a commit (which then
    // waits for the lock), queues the rest behind it, then lets go: the rest form the next batch, all of it.
    private static async Task<((ActivitySpanId Caller, Task<AuditEvent> Append) First, List<(ActivitySpanId Caller, Task<AuditEvent> Append)> Queued)> QueueBehindAHeldCommitAsync(
        TestDatabase db, GroupCommitAuditStore audit, CommitRecorder commits, IEnumerable<AuditEventDraft> drafts)
    {
        await using var connection = await db.Database.OpenConnectionAsync(Ct);
        var held = await db.Database.BeginExclusiveAsync(connection, SqlAuditStore.AppendLockId, Ct);
        var first = Call(audit, Draft("first"));
        await commits.StartedAsync(first.Caller);
        var queued = drafts.Select(draft => Call(audit, draft)).ToList();
        await held.RollbackAsync(Ct);
        await held.DisposeAsync();
        return (first, queued);
    }

    private static (ActivitySpanId Caller, Task<AuditEvent> Append) Call(GroupCommitAuditStore audit, AuditEventDraft draft)
    {
        using var caller = Callers.StartActivity("audit caller") ?? throw new InvalidOperationException("no listener for the callers' source");
        return (caller.SpanId, audit.AppendAsync(draft, Ct));
    }

    // No target means no details either, so the batched insert writes NULLs too.
    private static AuditEventDraft Draft(string? target) =>
        new(DateTimeOffset.UtcNow, "batch-test", "test.event", target, "ok", target is null ? null : $$"""{"target":"{{target}}"}""");

    private static Task RejectTargetAsync(TestDatabase db, string target) => MigrationRunnerTests.Exec(db, db.Provider == StorageProvider.Sqlite
        ? $"CREATE TRIGGER reject_target BEFORE INSERT ON audit_events WHEN NEW.target = '{target}' BEGIN SELECT RAISE(ABORT, 'rejected audit event {target}'); END"
        : $"""
          CREATE FUNCTION reject_target() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.target = '{target}' THEN RAISE EXCEPTION 'rejected audit event {target}'; END IF; RETURN NEW; END $$;
          CREATE TRIGGER reject_target BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION reject_target();
          """);

    /// <summary>Records each audit commit span: the callers it links to, and the database statements under it.</summary>
    private sealed class CommitRecorder : IDisposable
    {
        private readonly ActivityListener _listener;
        private readonly ConcurrentDictionary<ActivitySpanId, Activity> _commitByCaller = new();
        private readonly ConcurrentDictionary<ActivitySpanId, int> _statementsByCommit = new();
        private readonly ConcurrentDictionary<ActivitySpanId, TaskCompletionSource> _started = new();

        public CommitRecorder()
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name is StorageDiagnostics.MeterName or "Npgsql" or CallersSource,
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
                ActivityStarted = Started,
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public Task StartedAsync(ActivitySpanId caller) => _started.GetOrAdd(caller, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).Task.WaitAsync(Ct);

        /// <summary>The callers of the commit that <paramref name="caller"/>'s event went into, in the batch's order.</summary>
        public List<ActivitySpanId> BatchOf(ActivitySpanId caller) => [.. _commitByCaller[caller].Links.Select(l => l.Context.SpanId)];

        public int StatementsOf(ActivitySpanId caller) => _statementsByCommit.GetValueOrDefault(_commitByCaller[caller].SpanId);

        public void Dispose() => _listener.Dispose();

        private void Started(Activity activity)
        {
            if (activity.Source.Name == "Npgsql")
            {
                _statementsByCommit.AddOrUpdate(activity.ParentSpanId, 1, (_, n) => n + 1);
            }
            else if (activity.OperationName == "switchboard.audit.commit")
            {
                foreach (var link in activity.Links)
                {
                    _commitByCaller[link.Context.SpanId] = activity;
                    _started.GetOrAdd(link.Context.SpanId, _ => new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
                }
            }
        }
    }
}
