using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Switchboard.Storage.Database;
using Switchboard.Storage.Diagnostics;

namespace Switchboard.Storage.Queue;

/// <summary>
/// Holds one PostgreSQL connection in <c>LISTEN switchboard_jobs</c> and <c>LISTEN switchboard_job_cancels</c>, and
/// turns each notification into a <see cref="JobSignal"/>, so an idle worker starts a new job in milliseconds rather
/// than at its next poll, and a job cancelled on any replica stops in milliseconds rather than at its next heartbeat.
/// Reconnects after a failure; meanwhile workers poll. Through PgBouncer in transaction mode LISTEN does not work:
/// workers then rely on the poll (docs/queue.md).
/// </summary>
internal sealed class PostgresJobListener(StorageDatabase database, JobSignal signal, TimeProvider time, ILogger<PostgresJobListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (database is not PostgreSqlStorageDatabase postgres)
        {
            return;
        }

        var retry = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await postgres.OpenDedicatedConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (e.Channel == JobQueue.CancelChannel)
                    {
                        signal.RequestCancel(e.Payload);
                    }
                    else if (e.Channel == JobQueue.ChangeChannel)
                    {
                        signal.Changed(e.Payload);
                    }
                    else
                    {
                        signal.Set();
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {JobQueue.NotifyChannel}; LISTEN {JobQueue.CancelChannel}; LISTEN {JobQueue.ChangeChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                retry = TimeSpan.FromSeconds(1);
                signal.Set(); // anything enqueued while we were not listening
                while (!stoppingToken.IsCancellationRequested)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or StorageException or IOException or TimeoutException)
            {
                Log.JobListenerLost(logger, ex.Message);
                try
                {
                    await Task.Delay(retry, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }
}
