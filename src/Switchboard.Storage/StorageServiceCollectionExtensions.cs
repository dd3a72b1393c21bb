using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Database;
using Switchboard.Storage.Health;
using Switchboard.Storage.Hosting;
using Switchboard.Storage.Maintenance;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Queue;
using Switchboard.Storage.Repositories;

namespace Switchboard.Storage;

/// <summary>Registers Switchboard's storage: database, migrations, stores, cache, rate limits, health and commands.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>The health-check tag the gateway's <c>/healthz/ready</c> selects.</summary>
    public const string ReadyTag = "ready";

    /// <summary>
    /// Adds storage configured from the <c>Storage</c> section (and a top-level <c>Redis</c> section for Redis
    /// settings not given under <c>Storage:Redis</c>). Registers a hosted service that, at start, migrates
    /// (<c>Storage:MigrateOnStart</c>) or refuses a schema that is not this build's, then connects Redis; health
    /// checks <c>database</c> (Unhealthy when unreachable) and <c>redis</c> (Degraded while down), tagged
    /// <see cref="ReadyTag"/>; <see cref="IdentityVersionWatcher"/>; and <see cref="StorageCommands"/> for the CLI. Services are added with TryAdd, so a
    /// host may replace any of them first.
    /// </summary>
    public static IServiceCollection AddSwitchboardStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<StorageOptions>()
            .Configure(o =>
            {
                try
                {
                    configuration.GetSection(RedisOptions.SectionName).Bind(o.Redis);
                    configuration.GetSection(StorageOptions.SectionName).Bind(o);
                }
                catch (InvalidOperationException ex)
                {
                    // A value of the wrong type (Provider=Oracle, MigrateOnStart=yes): let the validator explain it.
                    o.BindingError = ex.Message;
                }
            })
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StorageDatabase>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            return options.Provider == StorageProvider.PostgreSql
                ? new PostgreSqlStorageDatabase(options.EffectiveConnectionString)
                : new SqliteStorageDatabase(options.EffectiveConnectionString);
        });
        services.TryAddSingleton<MigrationRunner>();
        services.TryAddSingleton<ClusterLeases>();

        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<IHotCache, TwoLevelCache>();
        services.TryAddSingleton<IdentityVersion>();
        services.TryAddSingleton<IDistributedRateLimiter, RedisTokenBuckets>();

        services.TryAddSingleton<IPrincipalStore, SqlPrincipalStore>();
        services.TryAddSingleton<SqlApiKeyStore>();
        services.TryAddSingleton<IApiKeyStore, CachedApiKeyStore>();
        services.TryAddSingleton<SqlAuditStore>();
        services.TryAddSingleton<IAuditStore, GroupCommitAuditStore>();
        services.TryAddSingleton<IServerStore, SqlServerStore>();
        services.TryAddSingleton<IToolPinStore, SqlToolPinStore>();
        services.TryAddSingleton<RegistryVersion>();
        services.TryAddSingleton<ISigningKeyStore, SqlSigningKeyStore>();

        services.TryAddSingleton<BackupService>();
        services.TryAddSingleton<PortableTransfer>();
        services.TryAddSingleton<StorageCommands>();

        services.AddHostedService<StorageStartup>();
        services.AddHostedService<IdentityVersionWatcher>();
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [ReadyTag])
            .AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag]);
        return services;
    }

    /// <summary>
    /// Adds the job queue (section <c>Queue</c>, checked at start): <see cref="JobQueue"/> and the in-process
    /// <see cref="JobSignal"/>, and <see cref="QueueMetricsSampler"/> for the queue gauges. A host that runs workers also calls <see cref="AddJobQueueListener"/>.
    /// </summary>
    public static IServiceCollection AddSwitchboardQueue(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<JobQueueOptions>().Bind(configuration.GetSection(JobQueueOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<JobQueueOptions>, JobQueueOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JobSignal>();
        services.TryAddSingleton<JobQueue>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, QueueMetricsSampler>());
        services.TryAddSingleton<Workflows.WorkflowStore>();
        return services;
    }

    /// <summary>On PostgreSQL, listens for <c>NOTIFY switchboard_jobs</c> so idle workers wake at once (a no-op on SQLite).</summary>
    public static IServiceCollection AddJobQueueListener(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PostgresJobListener>());
        return services;
    }

    /// <summary>
    /// Adds the audit settings (section <c>Audit</c>, checked at start) and <see cref="AuditArguments"/>, the
    /// redacting capture of tool-call arguments. The host that wants retention also adds
    /// <see cref="AuditRetentionService"/>.
    /// </summary>
    public static IServiceCollection AddSwitchboardAudit(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<AuditOptions>().Bind(configuration.GetSection(AuditOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AuditOptions>, AuditOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new AuditArguments(sp.GetRequiredService<IOptions<AuditOptions>>().Value));
        return services;
    }
}
