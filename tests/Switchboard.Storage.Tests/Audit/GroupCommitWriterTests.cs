using System.Diagnostics;
using Switchboard.Storage.Diagnostics;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Storage.Tests.Infrastructure;

namespace Switchboard.Storage.Tests.Audit;

/// <summary>
/// The audit group commit runs on a thread of its own. SQLite commits synchronously, so a writer on the thread pool
/// blocked a pool thread through every fsync, and a one-core replica (one pool thread) sat idle until the pool
/// injected more: the one-core collapse of issue 18.
/// </summary>
public sealed class GroupCommitWriterTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Append_CommitsOnTheWritersOwnThread_NotAThreadPoolThread()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        await using var audit = new GroupCommitAuditStore(new SqlAuditStore(db.Database));
        var commitThreads = new List<(string? Name, bool ThreadPool)>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == StorageDiagnostics.MeterName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = activity =>
            {
                if (activity.OperationName == "switchboard.audit.commit")
                {
                    lock (commitThreads)
                    {
                        commitThreads.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));
                    }
                }
            },
        };
        ActivitySource.AddActivityListener(listener);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(i => audit.AppendAsync(new AuditEventDraft(DateTimeOffset.UtcNow, "writer-test", "test.event", $"t{i}", "ok", null), Ct)));

        // Other tests' stores may commit meanwhile: every commit seen must be on a writer thread.
        lock (commitThreads)
        {
            Assert.NotEmpty(commitThreads);
            Assert.All(commitThreads, thread => Assert.False(thread.ThreadPool, $"a commit ran on thread-pool thread '{thread.Name}'"));
            Assert.Contains(commitThreads, thread => thread.Name == "Switchboard audit writer");
        }

        Assert.Equal(20, (await audit.QueryAsync(new AuditQuery(Actor: "writer-test"), Ct)).Count);
    }
}
