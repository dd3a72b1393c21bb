using StackExchange.Redis;
using Switchboard.Storage.Database;

namespace Switchboard.Storage.Caching;

/// <summary>
/// The registry version: a counter in the database that every change to registered servers or pinned tool definitions
/// moves in the change's own transaction (migration 6's triggers), whoever makes it: a replica, the CLI. Each gateway
/// reads it about once a second and, when it moved, applies the stored registry; where Redis is configured, a change
/// made here is also announced to every replica at once (<see cref="Announced"/>).
/// </summary>
public sealed class RegistryVersion
{
    private const string Channel = "registry:changed";
    private const string Sql = "SELECT version FROM registry_version WHERE id = 1";

    private readonly StorageDatabase _database;
    private readonly RedisConnection _redis;

    /// <summary>Creates the holder and subscribes to change announcements (effective once Redis connects).</summary>
    public RegistryVersion(StorageDatabase database, RedisConnection redis)
    {
        ArgumentNullException.ThrowIfNull(redis);
        (_database, _redis) = (database, redis);
        if (redis.IsConfigured)
        {
            // Completes at once: the subscription is made now or when the connection starts.
            _ = redis.SubscribeAsync(Channel, (_, _) => Announced?.Invoke());
        }
    }

    /// <summary>Raised when another process announced a change over Redis: read the version now, not at the next poll.</summary>
    public event Action? Announced;

    /// <summary>Reads the version.</summary>
    /// <exception cref="StorageException">The database did not answer.</exception>
    public Task<long> ReadAsync(CancellationToken cancellationToken = default) =>
        _database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(Sql);
            return Convert.ToInt64(await command.ExecuteScalarAsync(ct) ?? 0L, System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);

    /// <summary>After a change: where Redis is configured, tells every replica to read the version now.</summary>
    public async Task AnnounceChangeAsync(CancellationToken cancellationToken = default)
    {
        if (!_redis.IsConfigured)
        {
            return;
        }

        try
        {
            // The CLI starts no hosted services, so its first change connects here.
            await _redis.StartAsync(cancellationToken);
            await _redis.PublishAsync(Channel, 1);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Every replica still reads the version at its next poll.
            _redis.ReportFallback("registry change announcement", ex);
        }
    }
}
