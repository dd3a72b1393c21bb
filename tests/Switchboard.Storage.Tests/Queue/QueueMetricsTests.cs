using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Storage.Queue;
using Switchboard.Storage.Tests.Infrastructure;
using Switchboard.Testing;

namespace Switchboard.Storage.Tests.Queue;

/// <summary>The queue's depth and oldest-job age, as sampled for the <c>switchboard.queue.*</c> gauges.</summary>
public sealed class QueueMetricsTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task Sample_CountsUnfinishedAndDeadJobsByState_AndAgesTheOldestDueJob_NotOneScheduledLater(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider, migrate: true);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-27T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var queue = new JobQueue(db.Database, new JobSignal(), Options.Create(new JobQueueOptions()), time);

        await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}") { MaxAttempts = 1 }, Ct);
        Assert.Equal(JobState.Dead, await queue.RetryAsync(Assert.Single(await queue.ClaimAsync("w", 1, Ct)), "boom", Ct));
        await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}"), Ct);
        Assert.Single(await queue.ClaimAsync("w", 1, Ct));
        await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}"), Ct);
        Assert.True(await queue.CompleteAsync(Assert.Single(await queue.ClaimAsync("w", 1, Ct)), "{}", Ct));
        time.Advance(TimeSpan.FromSeconds(30));
        await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}"), Ct);
        await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}") { RunAt = time.GetUtcNow().AddHours(1) }, Ct);
        time.Advance(TimeSpan.FromSeconds(90));

        var sample = await queue.SampleAsync(Ct);

        Assert.Equal(2, sample.Depth[JobState.Queued]);
        Assert.Equal(1, sample.Depth[JobState.Running]);
        Assert.Equal(0, sample.Depth[JobState.InputRequired]);
        Assert.Equal(1, sample.Depth[JobState.Dead]);
        Assert.False(sample.Depth.ContainsKey(JobState.Completed));
        Assert.Equal(TimeSpan.FromSeconds(90), sample.OldestReadyAge);
    }

    [Fact]
    public async Task Sample_EmptyQueue_EveryStateZero_AgeZero()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        var queue = new JobQueue(db.Database, new JobSignal(), Options.Create(new JobQueueOptions()), TimeProvider.System);

        var sample = await queue.SampleAsync(Ct);

        Assert.Equal([0L, 0L, 0L, 0L], sample.Depth.Values);
        Assert.Equal(TimeSpan.Zero, sample.OldestReadyAge);
    }

    /// <summary>The gauges report what the background sampler last read, so a scrape runs no query.</summary>
    [Fact]
    public async Task Gauges_ReportTheSamplersLastRead_AndNothingOnceItStopped()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite, migrate: true);
        var queue = new JobQueue(db.Database, new JobSignal(), Options.Create(new JobQueueOptions()), TimeProvider.System);
        await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}") { RunAt = DateTimeOffset.UtcNow.AddMinutes(-2) }, Ct);
        await queue.EnqueueAsync(new JobDraft("test", "p", [], "{}"), Ct);

        var depth = new ConcurrentDictionary<string, long>();
        double? age = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Switchboard.Storage" && instrument.Name.StartsWith("switchboard.queue.", StringComparison.Ordinal))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) => depth[(string)tags[0].Value!] = value);
        listener.SetMeasurementEventCallback<double>((_, value, _, _) => age = value);
        listener.Start();

        using var sampler = new QueueMetricsSampler(queue, TimeProvider.System, NullLogger<QueueMetricsSampler>.Instance);
        await sampler.StartAsync(Ct);
        await Poll.UntilAsync(() =>
        {
            listener.RecordObservableInstruments();
            return depth.GetValueOrDefault("queued") == 2;
        }, TimeSpan.FromSeconds(30), "The queue depth gauge did not report the two queued jobs");

        Assert.Equal(0, depth["running"]);
        Assert.Equal(0, depth["input_required"]);
        Assert.Equal(0, depth["dead"]);
        Assert.InRange(age!.Value, 115, 600);

        await sampler.StopAsync(Ct);
        depth.Clear();
        age = null;
        listener.RecordObservableInstruments();
        Assert.Empty(depth);
        Assert.Null(age);
    }
}
