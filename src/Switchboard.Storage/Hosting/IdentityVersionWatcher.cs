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

    private volatile int _databaseUp = -1;

    /// <summary>Whether the database answered the last read: 1 yes, 0 no, -1 before the first (the <c>switchboard.dependency.up</c> gauge).</summary>
    public int DatabaseUp => _databaseUp;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool failing = false;
        StorageDiagnostics.Track(this);
        try
        {
            using var timer = new PeriodicTimer(Interval, time);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                failing = await RefreshAsync(failing, stoppingToken);
            }
        }
        finally
        {
            StorageDiagnostics.Untrack(this);
        }
    }

    private async Task<bool> RefreshAsync(bool failing, CancellationToken stoppingToken)
    {
        try
        {
            await version.RefreshAsync(stoppingToken);
            _databaseUp = 1;
            if (failing)
            {
                Log.IdentityVersionReadRestored(logger);
            }

            return false;
        }
        catch (StorageException ex)
        {
            _databaseUp = 0;
            if (!failing)
            {
                Log.IdentityVersionReadFailed(logger, ex.Message);
            }

            return true;
        }
    }
}
