namespace Switchboard.Storage;

/// <summary>Where Switchboard keeps its durable state. Section <c>Storage</c>.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Storage";

    /// <summary>The SQLite file's name inside <see cref="DataDirectory"/>.</summary>
    public const string SqliteFileName = "switchboard.db";

    /// <summary>Which database engine holds the data.</summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// The folder that holds Switchboard's state: the SQLite file <c>switchboard.db</c> when no connection string is
    /// set. Empty means <see cref="DefaultDataDirectory"/>, the same for every command whatever the working directory,
    /// so <c>switchboard keys create</c> finds the database <c>switchboard serve</c> made. A relative path is taken
    /// from the working directory. The container image sets it to its <c>/data</c> volume.
    /// </summary>
    public string? DataDirectory { get; set; }

    /// <summary>
    /// The ADO.NET connection string; when set it wins over <see cref="DataDirectory"/>. Empty with
    /// <see cref="StorageProvider.Sqlite"/> means <c>Data Source={DataDirectory}/switchboard.db</c>; PostgreSQL needs
    /// one (see docs/storage.md for pooling settings).
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

    /// <summary>
    /// The per-user data folder: <c>switchboard</c> under the local application data folder
    /// (<c>~/.local/share/switchboard</c> on Linux, <c>$XDG_DATA_HOME/switchboard</c> when that is set); empty when
    /// the account has no home folder, and then <see cref="DataDirectory"/> must be set.
    /// </summary>
    public static string DefaultDataDirectory
    {
        get
        {
            string local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            return string.IsNullOrEmpty(local) ? string.Empty : Path.Combine(local, "switchboard");
        }
    }

    /// <summary>The data folder in force, as a full path: <see cref="DataDirectory"/>, or the per-user default.</summary>
    public string EffectiveDataDirectory =>
        string.IsNullOrWhiteSpace(DataDirectory)
            ? DefaultDataDirectory
            : Path.GetFullPath(DataDirectory);

    /// <summary>Whether the database is the SQLite file in the data folder, rather than one a connection string names.</summary>
    public bool UsesDataDirectory => string.IsNullOrWhiteSpace(ConnectionString) && Provider == StorageProvider.Sqlite;

    /// <summary>The connection string actually used: the configured one, or the SQLite file in the data folder.</summary>
    public string EffectiveConnectionString =>
        UsesDataDirectory
            ? new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder { DataSource = Path.Combine(EffectiveDataDirectory, SqliteFileName) }.ToString()
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
