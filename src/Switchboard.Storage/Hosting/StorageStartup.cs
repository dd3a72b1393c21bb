using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Migrations;

namespace Switchboard.Storage.Hosting;

/// <summary>
/// At host start: migrates when <see cref="StorageOptions.MigrateOnStart"/> is set, otherwise refuses to start unless
/// the schema is exactly this build's; then connects Redis (without waiting for it). A foreign, corrupt, unreachable
/// or newer database stops the host with a <see cref="StorageException"/> saying why, before anything is written.
/// </summary>
internal sealed class StorageStartup(MigrationRunner runner, IOptions<StorageOptions> options, RedisConnection redis) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.MigrateOnStart)
        {
            await runner.MigrateAsync(cancellationToken: cancellationToken);
        }
        else
        {
            await runner.EnsureCurrentAsync(cancellationToken);
        }

        await redis.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
