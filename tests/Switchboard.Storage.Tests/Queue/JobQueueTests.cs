using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Storage.Database;
using Switchboard.Storage.Queue;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Queue;

/// <summary>The job queue on real SQLite and PostgreSQL databases, each test in a database of its own.</summary>
public sealed class JobQueueTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Six replicas (each its own connection pool) drain 300 jobs at once. Every job must be claimed exactly once
    /// and never held by two workers at the same time. Without <c>FOR UPDATE SKIP LOCKED</c> two claims read the same
    /// queued rows and both update them: a job is claimed twice and runs twice at once.
    /// </summary>
    [Fact]
    public async Task Claim_SixWorkersOnOnePostgres_NeverClaimTheSameJobTwice()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.PostgreSql, migrate: true);
        var options = Options.Create(new JobQueueOptions());
        var producer = new JobQueue(db.Database, new JobSignal(), options, TimeProvider.System);
        for (int i = 0; i < 300; i++)
        {
            await producer.EnqueueAsync(new JobDraft("test", "p", [], $"{{\"n\":{i}}}"), Ct);
        }

        var claims = new ConcurrentBag<string>();
        var running = new ConcurrentDictionary<string, string>();
        var overlaps = new ConcurrentBag<string>();
        var replicas = Enumerable.Range(0, 6).Select(_ => new PostgreSqlStorageDatabase(db.ConnectionString)).ToArray();
        try
        {
            await Task.WhenAll(replicas.Select((replica, n) => Task.Run(async () =>
            {
                var queue = new JobQueue(replica, new JobSignal(), options, TimeProvider.System);
                while (true)
                {
                    var leases = await queue.ClaimAsync($"worker-{n}", 5, Ct);
                    if (leases.Count == 0)
                    {
                        return;
                    }

                    foreach (var lease in leases)
                    {
                        claims.Add(lease.Job.Id);
                        if (!running.TryAdd(lease.Job.Id, $"worker-{n}"))
                        {
                            overlaps.Add(lease.Job.Id);
                        }

                        await Task.Yield();
                        running.TryRemove(lease.Job.Id, out _);
                        Assert.True(await queue.CompleteAsync(lease, "{}", Ct));
                    }
                }
            }, Ct)));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }
        }

        Assert.Empty(overlaps);
        Assert.Equal(300, claims.Count);
        Assert.Equal(300, claims.Distinct().Count());
        var counts = await producer.CountByStateAsync(Ct);
        Assert.Equal(300, counts[JobState.Completed]);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task FailingJob_IsRetriedAfterABackoff_ThenDeadLettered_WithItsLastError(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var options = new JobQueueOptions { MaxAttempts = 2, RetryBaseDelay = TimeSpan.FromSeconds(10) };
        var queue = new JobQueue(db.Database, new JobSignal(), Options.Create(options), time);
        var job = await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}"), Ct);

        var first = Assert.Single(await queue.ClaimAsync("w", 10, Ct));
        Assert.Equal(JobState.Queued, await queue.RetryAsync(first, "boom 1", Ct));
        Assert.Empty(await queue.ClaimAsync("w", 10, Ct)); // backing off: between 5 and 10 s
        time.Advance(TimeSpan.FromSeconds(10));

        var second = Assert.Single(await queue.ClaimAsync("w", 10, Ct));
        Assert.Equal(2, second.Job.Attempts);
        Assert.Equal(JobState.Dead, await queue.RetryAsync(second, "boom 2", Ct));

        var dead = await queue.GetAsync(job.Id, Ct);
        Assert.Equal(JobState.Dead, dead!.State);
        Assert.Equal("boom 2", dead.LastError);
        Assert.NotNull(dead.FinishedAt);
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Empty(await queue.ClaimAsync("w", 10, Ct));
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task WorkerStopsRenewing_AnotherTakesTheJobOver_AndTheFirstCanNoLongerFinishIt(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var queue = new JobQueue(db.Database, new JobSignal(), Options.Create(new JobQueueOptions { LeaseDuration = TimeSpan.FromSeconds(30) }), time);
        var job = await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}"), Ct);

        var dying = Assert.Single(await queue.ClaimAsync("dying", 1, Ct));
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.False(await queue.RenewAsync(dying, Ct)); // renewed: no cancel requested
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Empty(await queue.RecoverExpiredLeasesAsync(Ct)); // renewed 20 s ago, still held
        time.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(JobState.Queued, Assert.Single(await queue.RecoverExpiredLeasesAsync(Ct)).State);

        var taker = Assert.Single(await queue.ClaimAsync("taker", 1, Ct));
        Assert.Equal(2, taker.Job.Attempts);
        Assert.Null(await queue.RenewAsync(dying, Ct));
        Assert.False(await queue.CompleteAsync(dying, "{\"from\":\"dying\"}", Ct));
        Assert.True(await queue.CompleteAsync(taker, "{\"from\":\"taker\"}", Ct));
        Assert.False(await queue.CompleteAsync(taker, "{\"again\":true}", Ct));

        var done = await queue.GetAsync(job.Id, Ct);
        Assert.Equal(JobState.Completed, done!.State);
        Assert.Equal("{\"from\":\"taker\"}", done.Result);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Jobs_AreScopedToTheirPrincipal_AndIdempotencyKeysReturnTheFirstJob(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var queue = new JobQueue(db.Database, new JobSignal(), Options.Create(new JobQueueOptions()), TimeProvider.System);
        var first = await queue.EnqueueAsync(new JobDraft("test", "alice", ["user"], "{\"n\":1}") { IdempotencyKey = "k" }, Ct);
        var again = await queue.EnqueueAsync(new JobDraft("test", "alice", ["user"], "{\"n\":2}") { IdempotencyKey = "k" }, Ct);
        var bobs = await queue.EnqueueAsync(new JobDraft("test", "bob", [], "{\"n\":3}") { IdempotencyKey = "k" }, Ct);

        Assert.Equal(first.Id, again.Id);
        Assert.Equal("{\"n\":1}", again.Payload);
        Assert.NotEqual(first.Id, bobs.Id);
        Assert.Equal(["user"], first.PrincipalRoles);
        Assert.Null(await queue.GetAsync(first.Id, "bob", Ct));
        Assert.Equal(CancelOutcome.NotFound, await queue.CancelAsync(first.Id, "bob", Ct));
        Assert.Equal(JobState.Queued, (await queue.GetAsync(first.Id, "alice", Ct))!.State);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Cancel_QueuedAtOnce_RunningByRequest_FinishedNotAtAll(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var queue = new JobQueue(db.Database, new JobSignal(), Options.Create(new JobQueueOptions()), TimeProvider.System);
        var queued = await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}") { Priority = -1 }, Ct);
        var running = await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}") { Priority = 2 }, Ct);
        var finished = await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}") { Priority = 1 }, Ct);
        var leases = await queue.ClaimAsync("w", 2, Ct);
        Assert.Equal([running.Id, finished.Id], leases.Select(l => l.Job.Id)); // by priority
        Assert.True(await queue.CompleteAsync(leases[1], "{\"done\":true}", Ct));

        Assert.Equal(CancelOutcome.Cancelled, await queue.CancelAsync(queued.Id, "p", Ct));
        Assert.Equal(CancelOutcome.Requested, await queue.CancelAsync(running.Id, "p", Ct));
        Assert.Equal(CancelOutcome.AlreadyFinished, await queue.CancelAsync(finished.Id, "p", Ct));

        Assert.Equal(JobState.Cancelled, (await queue.GetAsync(queued.Id, Ct))!.State);
        Assert.True(await queue.RenewAsync(leases[0], Ct)); // the worker learns of the request at its heartbeat
        Assert.True(await queue.MarkCancelledAsync(leases[0], Ct));
        Assert.Equal(JobState.Cancelled, (await queue.GetAsync(running.Id, Ct))!.State);
        var unchanged = await queue.GetAsync(finished.Id, Ct);
        Assert.Equal(JobState.Completed, unchanged!.State);
        Assert.Equal("{\"done\":true}", unchanged.Result);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task InputRequired_StaysParkedUntilEveryRequestIsAnswered_ThenRunsAgain(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var queue = new JobQueue(db.Database, new JobSignal(), Options.Create(new JobQueueOptions()), TimeProvider.System);
        var job = await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}"), Ct);
        var lease = Assert.Single(await queue.ClaimAsync("w", 1, Ct));
        Assert.True(await queue.ParkForInputAsync(lease, """{"inputRequests":{"a":{},"b":{}}}""", Ct));
        Assert.Empty(await queue.ClaimAsync("w", 1, Ct));

        var partial = await queue.AddInputResponsesAsync(job.Id, "p", new JsonObject { ["a"] = 1, ["unknown"] = 2 }, Ct);
        Assert.Equal(JobState.InputRequired, partial!.State);
        Assert.Null(await queue.AddInputResponsesAsync(job.Id, "someone-else", new JsonObject { ["b"] = 3 }, Ct));
        var complete = await queue.AddInputResponsesAsync(job.Id, "p", new JsonObject { ["b"] = 3 }, Ct);
        Assert.Equal(JobState.Queued, complete!.State);

        var rerun = Assert.Single(await queue.ClaimAsync("w", 1, Ct));
        Assert.Equal(1, rerun.Job.Attempts); // an input round is not a failed attempt
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"a":1,"b":3}"""), JsonNode.Parse(rerun.Job.InputResponses!)));
    }

    /// <summary>
    /// Another process (a backup, an import, the CLI) holds SQLite's write lock past the busy timeout. The claim must
    /// fail as a transient <see cref="StorageUnavailableException"/>, which the worker backs off from; a raw
    /// SqliteException "database is locked" escaped the worker's loop and stopped the whole gateway.
    /// </summary>
    [Fact]
    public async Task Claim_SqliteWriteLockedPastTheBusyTimeout_IsTransientUnavailable_AndWorksOnceReleased()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        await using var database = new SqliteStorageDatabase($"Data Source={db.SqliteFile};Default Timeout=1");
        var queue = new JobQueue(database, new JobSignal(), Options.Create(new JobQueueOptions()), TimeProvider.System);
        var job = await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}"), Ct);

        await using (var locker = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={db.SqliteFile};Pooling=False"))
        {
            await locker.OpenAsync(Ct);
            await using var hold = locker.CreateCommand();
            hold.CommandText = "BEGIN IMMEDIATE";
            await hold.ExecuteNonQueryAsync(Ct);

            var ex = await Assert.ThrowsAsync<StorageUnavailableException>(() => queue.ClaimAsync("w", 1, Ct));
            Assert.Contains("locked by another writer", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(job.Id, Assert.Single(await queue.ClaimAsync("w", 1, Ct)).Job.Id);
    }
}
