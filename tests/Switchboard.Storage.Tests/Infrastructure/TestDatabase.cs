using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Database;
using Switchboard.Storage.Maintenance;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Repositories;
using Switchboard.Testing;

namespace Switchboard.Storage.Tests.Infrastructure;

/// <summary>A fresh, empty database of either provider: a temp SQLite file or a new PostgreSQL database, dropped after.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string? _directory;
    private readonly string? _pgName;

    private TestDatabase(StorageProvider provider, string connectionString, string? directory, string? pgName)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _directory = directory;
        _pgName = pgName;
        Options = Microsoft.Extensions.Options.Options.Create(new StorageOptions { Provider = provider, ConnectionString = connectionString });
        Database = provider == StorageProvider.PostgreSql ? new PostgreSqlStorageDatabase(connectionString) : new SqliteStorageDatabase(connectionString);
        Runner = new MigrationRunner(Database);
    }

    public StorageProvider Provider { get; }

    public string ConnectionString { get; }

    public IOptions<StorageOptions> Options { get; }

    public StorageDatabase Database { get; }

    public MigrationRunner Runner { get; }

    /// <summary>A scratch folder for backups and exports (SQLite: also holds the database file).</summary>
    public string Scratch => _directory ?? throw new InvalidOperationException();

    public IPrincipalStore Principals => new SqlPrincipalStore(Database);

    public IApiKeyStore ApiKeys => new SqlApiKeyStore(Database);

    public IAuditStore Audit => new SqlAuditStore(Database);

    public ISigningKeyStore SigningKeys => new SqlSigningKeyStore(Database);

    public IServerStore Servers => new SqlServerStore(Database);

    public StorageCommands Commands => new(Database, Runner, new BackupService(Database, Runner, Options), new PortableTransfer(Database, Runner));

    public string? SqliteFile => Database is SqliteStorageDatabase sqlite ? sqlite.FilePath : null;

    public static async Task<TestDatabase> CreateAsync(StorageProvider provider, bool migrate = false)
    {
        var directory = Directory.CreateTempSubdirectory("sb-storage-").FullName;
        TestDatabase db;
        if (provider == StorageProvider.Sqlite)
        {
            db = new TestDatabase(provider, $"Data Source={Path.Combine(directory, "data", "switchboard.db")}", directory, null);
        }
        else
        {
            var name = "sb_" + Guid.NewGuid().ToString("N")[..16];
            await using (var admin = new NpgsqlConnection(TestServices.PostgresAdmin))
            {
                await admin.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
                await create.ExecuteNonQueryAsync();
            }

            var builder = new NpgsqlConnectionStringBuilder(TestServices.PostgresAdmin) { Database = name };
            db = new TestDatabase(provider, builder.ConnectionString, directory, name);
        }

        if (migrate)
        {
            await db.Runner.MigrateAsync();
        }

        return db;
    }

    /// <summary>Builds the storage services as a host would, from configuration.</summary>
    public ServiceProvider BuildServices(params (string Key, string? Value)[] extra)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = Provider.ToString(),
            ["Storage:ConnectionString"] = ConnectionString,
        };
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection()
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddSwitchboardStorage(configuration)
            .BuildServiceProvider();
    }

    public RedisConnection NoRedis() => new(Options);

    public async ValueTask DisposeAsync()
    {
        await Database.DisposeAsync();
        if (_pgName is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var admin = new NpgsqlConnection(TestServices.PostgresAdmin);
            await admin.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_pgName} WITH (FORCE)", admin);
            await drop.ExecuteNonQueryAsync();
        }

        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still open elsewhere in the process; the OS temp cleaner takes it.
            }
        }
    }
}
