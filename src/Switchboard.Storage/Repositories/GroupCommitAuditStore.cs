using System.Diagnostics;
using System.Threading.Channels;
using Switchboard.Storage.Diagnostics;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary>
/// Group commit for the audit trail. Every append still waits until its own event is committed, so nothing is
/// acknowledged before it is durable; but appends that arrive together share one transaction and one commit, instead
/// of queueing one by one on the chain's lock, which is what capped tool calls per second.
/// </summary>
internal sealed class GroupCommitAuditStore : IAuditStore, IAsyncDisposable
{
    private const int MaxBatch = 256;

    // While the database is away, requests share one probe at a time and reuse a failed one for this long, so an
    // outage costs them a fast refusal, not a connection attempt each.
    private static readonly TimeSpan ProbeReuse = TimeSpan.FromSeconds(1);

    private readonly SqlAuditStore _inner;
    // Synchronous continuations: the only one is the writer thread's wake-up (it is blocked waiting to read), which
    // then costs the appending request a signal instead of waiting for a free thread-pool thread.
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly Lazy<Task> _writer;
    private readonly Lock _probeGate = new();
    private volatile bool _unavailable;
    private Task? _probe;
    private long _probeStarted;

    public GroupCommitAuditStore(SqlAuditStore inner)
    {
        _inner = inner;
        _writer = new Lazy<Task>(StartWriter);
    }

    public async Task<AuditEvent> AppendAsync(AuditEventDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var pending = new Pending(draft, new TaskCompletionSource<AuditEvent>(TaskCreationOptions.RunContinuationsAsynchronously), Activity.Current?.Context ?? default);
        _ = _writer.Value;
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        return await pending.Committed.Task.WaitAsync(cancellationToken);
    }

    public ValueTask EnsureWritableAsync(CancellationToken cancellationToken = default) =>
        _unavailable ? new ValueTask(CurrentProbe().WaitAsync(cancellationToken)) : ValueTask.CompletedTask;

    public Task<IReadOnlyList<AuditEvent>> QueryAsync(AuditQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);

    public Task<AuditVerification> VerifyAsync(CancellationToken cancellationToken = default) => _inner.VerifyAsync(cancellationToken);

    public Task<AuditPruneResult> PruneAsync(DateTimeOffset olderThan, int maxEvents, string actor, CancellationToken cancellationToken = default) =>
        _inner.PruneAsync(olderThan, maxEvents, actor, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer.IsValueCreated)
        {
            await _writer.Value; // what was queued is still written
        }
    }

    private Task CurrentProbe()
    {
        lock (_probeGate)
        {
            bool reusable = _probe is { IsCompleted: false } || (_probe is not null && Environment.TickCount64 - _probeStarted < ProbeReuse.TotalMilliseconds);
            if (!reusable)
            {
                _probeStarted = Environment.TickCount64;
                _probe = ProbeAsync();
            }

            return _probe!;
        }
    }

    private async Task ProbeAsync()
    {
        await _inner.PingAsync(CancellationToken.None);
        _unavailable = false;
    }

    // The writer runs on a thread of its own, not the thread pool's. SQLite commits synchronously (Microsoft.Data.Sqlite
    // has no asynchronous I/O), so a pool thread would sit blocked through every fsync: on one core, where the pool
    // keeps one thread, requests then wait with the CPU idle until the pool notices and injects more (issue 18, the
    // one-core collapse). Blocking this thread instead costs nothing but the thread. On PostgreSQL too its I/O blocks
    // (SqlAuditStore.BatchAppender): awaited, each of a batch's round trips resumed through the pool's queue, behind the
    // requests the previous commit had just released.
    private Task StartWriter()
    {
        var finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Write();
                finished.SetResult();
            }
            catch (Exception e)
            {
                // Past a batch's own failure handling: nothing will write again, so no append may wait for it. Those
                // queued fail now, and later ones at once (the closed queue), instead of each waiting until its caller
                // gives up.
                _queue.Writer.TryComplete(e);
                while (_queue.Reader.TryRead(out var stranded))
                {
                    stranded.Committed.TrySetException(e);
                }

                finished.SetException(e);
            }
        })
        { IsBackground = true, Name = "Switchboard audit writer" };
        thread.UnsafeStart(); // flows no caller's context (activity, baggage): it serves every request
        return finished.Task;
    }

    private void Write()
    {
        var batch = new List<Pending>(MaxBatch);
        try
        {
            WriteBatches(batch);
        }
        catch (Exception e)
        {
            batch.ForEach(p => p.Committed.TrySetException(e)); // taken from the queue, not yet answered
            throw;
        }
    }

    private void WriteBatches(List<Pending> batch)
    {
        using var appender = _inner.CreateBatchAppender();
        while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }

            long started = Stopwatch.GetTimestamp();
            // One commit for many requests: its span links to each of them (OpenTelemetry's batching pattern).
            using var activity = StorageDiagnostics.ActivitySource.HasListeners()
                ? StorageDiagnostics.ActivitySource.StartActivity("switchboard.audit.commit", ActivityKind.Internal, default(ActivityContext), links: batch.Where(p => p.Caller != default).Select(p => new ActivityLink(p.Caller)))
                : null;
            activity?.SetTag("switchboard.audit.batch_size", batch.Count);
            try
            {
                var events = appender.Append([.. batch.Select(p => p.Draft)]);
                StorageDiagnostics.AuditAppendDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
                StorageDiagnostics.AuditBatchSize.Record(batch.Count);
                _unavailable = false;
                for (int i = 0; i < batch.Count; i++)
                {
                    batch[i].Committed.TrySetResult(events[i]);
                }
            }
            catch (Exception e)
            {
                StorageDiagnostics.AuditAppendFailures.Add(1);
                activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
                _unavailable |= e is StorageUnavailableException;
                // Each caller learns its event was not written (the database is down, say) and fails its request.
                batch.ForEach(p => p.Committed.TrySetException(e));
            }

            batch.Clear();
        }
    }

    private sealed record Pending(AuditEventDraft Draft, TaskCompletionSource<AuditEvent> Committed, ActivityContext Caller);
}
