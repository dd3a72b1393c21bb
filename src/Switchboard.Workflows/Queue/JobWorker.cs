using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Switchboard.Storage;
using Switchboard.Storage.Queue;
using Switchboard.Workflows.Diagnostics;

namespace Switchboard.Workflows.Queue;

/// <summary>
/// Claims jobs and runs them, up to <see cref="JobQueueOptions.Concurrency"/> at once, not counting those that wait for
/// a run with their place lent (<see cref="JobSlot"/>); renews each lease while its job runs (and notices a cancel
/// request then); takes back jobs whose worker died. Woken by <see cref="JobSignal"/>, else polls. On shutdown, running
/// jobs get <see cref="JobQueueOptions.ShutdownGrace"/> to finish; the rest are returned to the queue unfinished
/// (their attempt not counted) for another worker.
/// </summary>
public sealed class JobWorker(
    JobQueue queue,
    JobSignal signal,
    IEnumerable<IJobHandler> handlers,
    IOptions<JobQueueOptions> options,
    TimeProvider time,
    ILogger<JobWorker> logger) : BackgroundService
{
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(1);

    private readonly Dictionary<string, IJobHandler> _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
    private readonly Dictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly Lock _runningLock = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Action> _cancels = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _abandon = new();
    private int _lent; // places running jobs have lent while they wait (JobSlot)
    private int _finishedAtShutdown;
    private int _returnedAtShutdown;

    /// <summary>This worker's name in <c>jobs.lease_owner</c>: host, process and a random part.</summary>
    public string Name { get; } = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}";

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        Log.WorkerStarted(logger, Name, settings.Concurrency, settings.LeaseDuration);
        signal.CancelRequested += OnCancelRequested;
        var unavailableDelay = TimeSpan.FromSeconds(1);
        long lastRecovery = 0;
        long lastPurge = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (lastRecovery == 0 || time.GetElapsedTime(lastRecovery) >= settings.HeartbeatInterval)
                {
                    lastRecovery = time.GetTimestamp();
                    var recovered = await queue.RecoverExpiredLeasesAsync(stoppingToken);
                    if (recovered.Count > 0)
                    {
                        Log.LeasesRecovered(logger, recovered.Count);
                    }

                    foreach (var dead in recovered.Where(j => j.State == JobState.Dead))
                    {
                        await TellDeadLetteredAsync(dead, stoppingToken);
                    }
                }

                if (lastPurge == 0 || time.GetElapsedTime(lastPurge) >= PurgeInterval)
                {
                    lastPurge = time.GetTimestamp();
                    await queue.PurgeExpiredAsync(stoppingToken); // finished jobs past Queue:ResultRetention
                }

                int free = settings.Concurrency - RunningCount;
                var leases = await queue.ClaimAsync(Name, free, stoppingToken);
                foreach (var lease in leases)
                {
                    Start(lease);
                }

                unavailableDelay = TimeSpan.FromSeconds(1);
                if (leases.Count == 0 || RunningCount >= settings.Concurrency)
                {
                    await signal.WaitAsync(settings.PollInterval, time, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (StorageException ex)
            {
                Log.QueueUnavailable(logger, ex.Message, unavailableDelay);
                await DelayAsync(unavailableDelay, stoppingToken);
                unavailableDelay = TimeSpan.FromTicks(Math.Min(unavailableDelay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        Task[] running;
        lock (_runningLock)
        {
            running = [.. _running.Values];
        }

        // Let running jobs finish within the grace; then cancel them, and each returns its job to the queue.
        var all = Task.WhenAll(running);
        await Task.WhenAny(all, Task.Delay(options.Value.ShutdownGrace, time, cancellationToken)).ConfigureAwait(false);
        await _abandon.CancelAsync();
        // A job that ignores being abandoned must not hold the host's stop beyond its shutdown timeout: its lease
        // lapses and another worker takes it over.
        await all.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (!all.IsCompleted)
        {
            Log.JobsLeftRunning(logger, Name, running.Count(job => !job.IsCompleted));
        }

        Log.WorkerStopped(logger, Name, _finishedAtShutdown, _returnedAtShutdown);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        signal.CancelRequested -= OnCancelRequested;
        _abandon.Dispose();
        base.Dispose();
    }

    private int RunningCount
    {
        get
        {
            lock (_runningLock)
            {
                return _running.Count - Volatile.Read(ref _lent);
            }
        }
    }

    private void Start(JobLease lease)
    {
        lock (_runningLock)
        {
            _running[lease.Job.Id] = Task.Run(() => RunAsync(lease), CancellationToken.None);
        }
    }

    private async Task RunAsync(JobLease lease)
    {
        var job = lease.Job;
        var slot = JobSlot.Current = new JobSlot(
            lend: () =>
            {
                Interlocked.Increment(ref _lent);
                signal.Set(); // a place is free to claim another job
            },
            takeBack: () => Interlocked.Decrement(ref _lent));
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(_abandon.Token);
        var cancelRequested = false;
        var leaseLost = false;
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(lease, attempt, heartbeatStop.Token, requested => cancelRequested = requested, () => leaseLost = true);
        _cancels[job.Id] = () =>
        {
            cancelRequested = true;
            attempt.Cancel();
        };
        try
        {
            if (job.CancelRequested)
            {
                await queue.MarkCancelledAsync(lease, CancellationToken.None);
                return;
            }

            JobOutcome outcome;
            if (!_handlers.TryGetValue(job.Kind, out var handler))
            {
                Log.NoHandler(logger, job.Id, job.Kind);
                outcome = new JobOutcome.Failed($$"""{"code":-32603,"message":"No handler for job kind '{{job.Kind}}'."}""");
            }
            else
            {
                try
                {
                    outcome = await handler.RunAsync(job, attempt.Token);
                }
                catch (OperationCanceledException) when (attempt.IsCancellationRequested)
                {
                    outcome = new JobOutcome.Retry("cancelled");
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    Log.JobCrashed(logger, job.Id, job.Kind, ex);
                    outcome = new JobOutcome.Retry(ex.Message);
                }
            }

            await heartbeatStop.CancelAsync();
            await heartbeat;
            if (leaseLost)
            {
                Log.LeaseLost(logger, job.Id);
                return;
            }

            await RecordAsync(lease, outcome, cancelRequested);
        }
        catch (StorageException ex)
        {
            // The outcome could not be written: the lease runs out and another worker runs the job again.
            Log.QueueUnavailable(logger, ex.Message, options.Value.LeaseDuration);
        }
        finally
        {
            _cancels.TryRemove(job.Id, out _);
            slot.End(); // a handler that ended while lending its place
            await heartbeatStop.CancelAsync();
            await heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            lock (_runningLock)
            {
                _running.Remove(job.Id);
            }

            signal.Set(); // a slot is free
        }
    }

    private async Task RecordAsync(JobLease lease, JobOutcome outcome, bool cancelRequested)
    {
        var job = lease.Job;
        if (cancelRequested && outcome is not JobOutcome.Completed and not JobOutcome.Failed)
        {
            await queue.MarkCancelledAsync(lease, CancellationToken.None);
            return;
        }

        if (_abandon.IsCancellationRequested && outcome is JobOutcome.Retry)
        {
            // Shutdown cut it short: not the job's fault, so the attempt does not count.
            await queue.ReleaseAsync(lease, CancellationToken.None);
            Interlocked.Increment(ref _returnedAtShutdown);
            return;
        }

        bool recorded = true;
        switch (outcome)
        {
            case JobOutcome.Completed completed:
                recorded = await queue.CompleteAsync(lease, completed.Result, CancellationToken.None);
                break;
            case JobOutcome.Failed failed:
                recorded = await queue.FailAsync(lease, failed.Error, CancellationToken.None);
                break;
            case JobOutcome.NeedsInput input:
                recorded = await queue.ParkForInputAsync(lease, input.InputRequests, CancellationToken.None);
                break;
            case JobOutcome.Waiting waiting:
                recorded = await queue.WaitAsync(lease, waiting.Payload, waiting.Recheck, CancellationToken.None);
                break;
            case JobOutcome.Retry retry:
                var state = await queue.RetryAsync(lease, retry.Reason, CancellationToken.None);
                recorded = state is not null;
                if (state is { } next)
                {
                    Log.JobRetry(logger, job.Id, job.Kind, job.Attempts, next.ToString(), retry.Reason);
                }

                if (state == JobState.Dead)
                {
                    await TellDeadLetteredAsync(job with { State = JobState.Dead, LastError = retry.Reason }, CancellationToken.None);
                }

                break;
        }

        if (!recorded)
        {
            Log.LeaseLost(logger, job.Id);
        }
        else if (_abandon.IsCancellationRequested || StoppingRequested)
        {
            Interlocked.Increment(ref _finishedAtShutdown);
        }
    }

    // The job's handler hears of it once, from the worker that dead-lettered it: a workflow fails the job's step.
    // Its failure is logged and not retried; the job stays dead-lettered either way.
    private async Task TellDeadLetteredAsync(Job job, CancellationToken cancellationToken)
    {
        Log.JobDeadLettered(logger, job.Id, job.Kind, job.Attempts, job.LastError ?? "-");
        if (!_handlers.TryGetValue(job.Kind, out var handler))
        {
            return;
        }

        try
        {
            await handler.DeadLetteredAsync(job, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException and not OperationCanceledException)
        {
            Log.DeadLetterHandlerFailed(logger, job.Id, job.Kind, ex);
        }
    }

    // A cancel announced for a job this worker runs (JobSignal.CancelRequested): stop its attempt now.
    private void OnCancelRequested(string jobId)
    {
        if (_cancels.TryGetValue(jobId, out var cancel))
        {
            try
            {
                cancel();
            }
            catch (ObjectDisposedException)
            {
                // the attempt has just ended
            }
        }
    }

    private bool StoppingRequested => ExecuteTask?.IsCompleted == true;

    // Renews the lease every HeartbeatInterval; a renewal that finds the lease gone stops the attempt.
    private async Task HeartbeatAsync(JobLease lease, CancellationTokenSource attempt, CancellationToken stop, Action<bool> onCancelRequested, Action onLost)
    {
        using var timer = new PeriodicTimer(options.Value.HeartbeatInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    var renewed = await queue.RenewAsync(lease, stop);
                    if (renewed is null)
                    {
                        onLost();
                        await attempt.CancelAsync();
                        return;
                    }

                    if (renewed.Value)
                    {
                        onCancelRequested(true);
                        await attempt.CancelAsync();
                    }
                }
                catch (StorageException ex)
                {
                    // Keep trying: the lease is good until it expires.
                    Log.QueueUnavailable(logger, ex.Message, options.Value.HeartbeatInterval);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the attempt ended
        }
    }

    private async Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, time, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }
}
