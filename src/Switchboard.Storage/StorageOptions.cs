namespace Switchboard.Storage;

/// <summary>Where Switchboard keeps its durable state. Section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Storage";

    /// <summary>The SQLite file used when no connection string is configured, relative to the working directory.</summary>
    public const string DefaultSqlitePath = "data/switchboard.db";

    /// <summary>Which database engine holds the data.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// The ADO.NET connection string. Empty with <see cref="StorageProvider.Sqlite"/> means
    /// <c>Data Source=data/switchboard.db</c>; PostgreSQL needs one (see docs/storage.md for pooling settings).
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations at start-up instead of refusing to start until <c>switchboard migrate</c> runs.</summary>
    public bool MigrateOnStart { get; set; }

    /// <summary>How long the database health check waits for <c>SELECT 1</c> before reporting the database unreachable.</summary>
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Folder holding <c>pg_dump</c> and <c>pg_restore</c> for PostgreSQL backups; empty means the <c>PATH</c>.
    /// </summary>
    public string? PostgreSqlToolsPath { get; set; }

    /// <summary>Optional Redis; also read from a top-level <c>Redis</c> section.</summary>
    public RedisOptions Redis { get; set; } = new();

    /// <summary>Why the configuration could not be bound, if it could not.</summary>
    internal string? BindingError { get; set; }

    /// <summary>The connection string actually used: the configured one, or the default SQLite file.</summary>
    public string EffectiveConnectionString =>
        string.IsNullOrWhiteSpace(ConnectionString) && Provider == StorageProvider.Sqlite
            ? $"Data Source={DefaultSqlitePath}"
            : ConnectionString ?? string.Empty;
}

/// <summary>The database engines Switchboard can store its state in.</summary>
public enum StorageProvider
{
    /// <summary>An embedded SQLite file: no set-up, one process at a time writes.</summary>
    Sqlite,

    /// <summary>PostgreSQL 15 or newer, through Npgsql: for production and several replicas.</summary>
    PostgreSql,
}

/// <summary>Optional Redis: a shared cache level, cross-replica invalidation and shared rate limits.</summary>
public sealed class RedisOptions
{
    /// <summary>The top-level section also accepted for these settings.</summary>
    public const string SectionName = "Redis";

    /// <summary>A StackExchange.Redis configuration string such as <c>redis:6379,password=...</c>; empty disables Redis.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Prefix for every key and channel, so several deployments can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "switchboard:";

    /// <summary>How long one Redis command may take before the caller falls back to local state.</summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long entries live in the in-process level; bounds staleness when an invalidation is missed.</summary>
    public TimeSpan LocalCacheDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long entries live in Redis.</summary>
    public TimeSpan SharedCacheDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Whether Redis is configured at all.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);
}
