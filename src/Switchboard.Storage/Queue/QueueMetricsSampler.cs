using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Storage.Diagnostics;

namespace Switchboard.Storage.Queue;

/// <summary>
/// Reads the queue's depth and oldest-job age every <see cref="Interval"/> for the <c>switchboard.queue.*</c> gauges,
/// which report the last sample: a scrape (or several Prometheis scraping at once) costs no database round trip, and
/// the database sees one small query per interval per replica whatever the scrape rate. While the database does not
/// answer the gauges report nothing (no stale numbers; <c>switchboard.dependency.up</c> tells why), and the outage is
/// logged once.
/// </summary>
public sealed class QueueMetricsSampler(JobQueue queue, TimeProvider time, ILogger<QueueMetricsSampler> logger) : BackgroundService
{
    /// <summary>How often the queue is sampled.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    private volatile QueueSample? _latest;

    /// <summary>The last sample; null before the first and while the database does not answer.</summary>
    public QueueSample? Latest => _latest;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool failing = false;
        StorageDiagnostics.Track(this);
        try
        {
            using var timer = new PeriodicTimer(Interval, time);
            do
            {
                failing = await SampleAsync(failing, stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        finally
        {
            StorageDiagnostics.Untrack(this);
        }
    }

    private async Task<bool> SampleAsync(bool failing, CancellationToken stoppingToken)
    {
        try
        {
            _latest = await queue.SampleAsync(stoppingToken);
            return false;
        }
        catch (StorageException ex)
        {
            _latest = null;
            if (!failing)
            {
                Log.QueueSampleFailed(logger, ex.Message);
            }

            return true;
        }
    }
}
