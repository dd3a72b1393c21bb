using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Database;
using Switchboard.Storage.Diagnostics;
using Switchboard.Storage.Migrations;

namespace Switchboard.Storage.Hosting;

/// <summary>
/// At host start: migrates when <see cref="StorageOptions.MigrateOnStart"/> is set, otherwise refuses to start unless
/// this build can serve the schema (its own version or the next release's); then connects Redis (without waiting for
/// it). A foreign, corrupt, unreachable, older or too new database stops the host with a
/// <see cref="StorageException"/> saying why, before anything is written.
/// Says first which database it is (never a password), so an operator can tell which file a gateway uses.
/// </summary>
internal sealed class StorageStartup(StorageDatabase database, MigrationRunner runner, IOptions<StorageOptions> options, RedisConnection redis, ILogger<StorageStartup>? logger = null) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Log.UsingDatabase(logger ?? NullLogger<StorageStartup>.Instance, database.Description);
        if (options.Value.MigrateOnStart)
        {
            await runner.MigrateAsync(cancellationToken: cancellationToken);
        }
        else
        {
            await runner.EnsureServableAsync(cancellationToken);
        }

        await redis.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
