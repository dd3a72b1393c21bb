using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Diagnostics;

namespace Switchboard.Storage.Hosting;

/// <summary>
/// Reads the <see cref="IdentityVersion"/> once a second (one primary-key read), so a key revoked or a role changed by
/// the CLI or another replica is in force here within about a second, with or without Redis. While the database does
/// not answer, the version in force stays; the outage is logged once, not every second.
/// </summary>
public sealed class IdentityVersionWatcher(IdentityVersion version, TimeProvider time, ILogger<IdentityVersionWatcher> logger) : BackgroundService
{
    /// <summary>How often the version is read.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool failing = false;
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await version.RefreshAsync(stoppingToken);
                if (failing)
                {
                    failing = false;
                    Log.IdentityVersionReadRestored(logger);
                }
            }
            catch (StorageException ex)
            {
                if (!failing)
                {
                    failing = true;
                    Log.IdentityVersionReadFailed(logger, ex.Message);
                }
            }
        }
    }
}
