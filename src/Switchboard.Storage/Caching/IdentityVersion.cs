using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;
using Switchboard.Storage.Database;
using Switchboard.Storage.Diagnostics;

namespace Switchboard.Storage.Caching;

/// <summary>
/// The identity version: a counter in the database that every change to principals, roles, grants or API keys moves
/// in the change's own transaction (migration 5's triggers), whoever makes it: this gateway, another replica, the CLI.
/// Caches of identity data put the version in their keys, so once this process has read a new version nothing cached
/// before the change is served again, from memory or from Redis. <see cref="Hosting.IdentityVersionWatcher"/> reads it
/// about once a second; where Redis is configured, a change made here is also announced to every replica at once.
/// </summary>
public sealed class IdentityVersion : IDisposable
{
    private const string Channel = "identity:changed";
    private const long NotRead = -1;
    private const string Sql = "SELECT version FROM identity_version WHERE id = 1";

    private readonly StorageDatabase _database;
    private readonly RedisConnection _redis;
    private readonly ILogger _logger;

    // Reads are serialized so a slow read of an older version cannot overwrite a newer one read after it.
    private readonly SemaphoreSlim _reading = new(1, 1);
    private long _version = NotRead;

    /// <summary>Creates the holder and subscribes to change announcements (effective once Redis connects).</summary>
    public IdentityVersion(StorageDatabase database, RedisConnection redis, ILogger<IdentityVersion>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(redis);
        (_database, _redis, _logger) = (database, redis, logger ?? NullLogger<IdentityVersion>.Instance);
        if (redis.IsConfigured)
        {
            // Completes at once: the subscription is made now or when the connection starts.
            _ = redis.SubscribeAsync(Channel, (_, _) => _ = RefreshQuietlyAsync());
        }
    }

    /// <summary>Raised (on the thread that read it) when the version moved after the first read.</summary>
    public event Action? Changed;

    /// <summary>The version in force in this process; read from the database on first use, then kept fresh by refreshes.</summary>
    public ValueTask<long> CurrentAsync(CancellationToken cancellationToken = default)
    {
        long version = Interlocked.Read(ref _version);
        return version != NotRead ? ValueTask.FromResult(version) : new ValueTask<long>(ReadFirstAsync(cancellationToken));
    }

    /// <summary>Reads the version; when it moved, keeps the new one and raises <see cref="Changed"/>. True when it moved.</summary>
    /// <exception cref="StorageException">The database did not answer; the version in force stays.</exception>
    public async Task<bool> RefreshAsync(CancellationToken cancellationToken = default)
    {
        await _reading.WaitAsync(cancellationToken);
        long previous;
        long current;
        try
        {
            current = await ReadAsync(cancellationToken);
            previous = Interlocked.Exchange(ref _version, current);
        }
        finally
        {
            _reading.Release();
        }

        // Compared for inequality, not order: a restored backup may carry an older version.
        if (previous == current || previous == NotRead)
        {
            return false;
        }

        Log.IdentityVersionChanged(_logger, previous, current);
        Changed?.Invoke();
        return true;
    }

    /// <summary>
    /// After this process changed identity data: takes the new version at once (so this process serves the change from
    /// its next request) and, where Redis is configured, tells every replica to read it now rather than at its next poll.
    /// </summary>
    public async Task AnnounceChangeAsync(CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken);
        if (!_redis.IsConfigured)
        {
            return;
        }

        try
        {
            // The CLI starts no hosted services, so its first change connects here.
            await _redis.StartAsync(cancellationToken);
            await _redis.PublishAsync(Channel, Interlocked.Read(ref _version));
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Every replica still reads the version at its next poll.
            _redis.ReportFallback("identity change announcement", ex);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _reading.Dispose();

    private async Task<long> ReadFirstAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken);
        return Interlocked.Read(ref _version);
    }

    private Task<long> ReadAsync(CancellationToken cancellationToken) =>
        _database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(Sql);
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    private async Task RefreshQuietlyAsync()
    {
        try
        {
            await RefreshAsync();
        }
        catch (StorageException)
        {
            // The poll tries again within a second.
        }
    }
}
