using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using Npgsql;
using Switchboard.Storage;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Database;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Benchmarks.Storage;

/// <summary>
/// The per-request API-key lookup: straight from the database, and through the hot cache's in-process level.
/// PostgreSQL runs when SWITCHBOARD_TEST_POSTGRES names a server (scripts/services.sh start).
/// </summary>
[MemoryDiagnoser]
public class ApiKeyLookupBenchmarks : IAsyncDisposable
{
    private const int Keys = 1000;
    private StorageDatabase _database = null!;
    private RedisConnection _redis = null!;
    private TwoLevelCache _cache = null!;
    private SqlApiKeyStore _uncached = null!;
    private IdentityVersion _identity = null!;
    private CachedApiKeyStore _cached = null!;
    private string? _pgDatabase;
    private string? _directory;
    private int _next;

    [ParamsSource(nameof(Providers))]
    public StorageProvider Provider { get; set; }

    public static IEnumerable<StorageProvider> Providers =>
        Environment.GetEnvironmentVariable("SWITCHBOARD_TEST_POSTGRES") is { Length: > 0 }
            ? [StorageProvider.Sqlite, StorageProvider.PostgreSql]
            : [StorageProvider.Sqlite];

    [GlobalSetup]
    public async Task SetupAsync()
    {
        if (Provider == StorageProvider.PostgreSql)
        {
            var admin = Environment.GetEnvironmentVariable("SWITCHBOARD_TEST_POSTGRES")!;
            _pgDatabase = "sb_bench_" + Guid.NewGuid().ToString("N")[..12];
            await using (var connection = new NpgsqlConnection(admin))
            {
                await connection.OpenAsync();
                await using var create = new NpgsqlCommand($"CREATE DATABASE {_pgDatabase}", connection);
                await create.ExecuteNonQueryAsync();
            }

            _database = new PostgreSqlStorageDatabase(new NpgsqlConnectionStringBuilder(admin) { Database = _pgDatabase }.ConnectionString);
        }
        else
        {
            _directory = Directory.CreateTempSubdirectory("sb-bench-").FullName;
            _database = new SqliteStorageDatabase($"Data Source={Path.Combine(_directory, "bench.db")}");
        }

        await new MigrationRunner(_database).MigrateAsync();
        var principals = new SqlPrincipalStore(_database);
        await principals.CreateAsync(new Principal("p", "bench", "service", null, DateTimeOffset.UtcNow));
        _uncached = new SqlApiKeyStore(_database);
        for (var i = 0; i < Keys; i++)
        {
            await _uncached.CreateAsync(new ApiKeyRecord($"k{i}", "p", "bench", $"sb_{i:D6}", "hash", DateTimeOffset.UtcNow));
        }

        var options = Options.Create(new StorageOptions());
        _redis = new RedisConnection(options);
        _cache = new TwoLevelCache(_redis, options);
        _identity = new IdentityVersion(_database, _redis);
        _cached = new CachedApiKeyStore(_uncached, _cache, _identity);
        for (var i = 0; i < Keys; i++)
        {
            await _cached.FindByPrefixAsync($"sb_{i:D6}");
        }
    }

    [Benchmark(Baseline = true)]
    public ValueTask<ApiKeyRecord?> Uncached() => _uncached.FindByPrefixAsync(NextPrefix());

    [Benchmark]
    public ValueTask<ApiKeyRecord?> Cached() => _cached.FindByPrefixAsync(NextPrefix());

    [GlobalCleanup]
    public async Task CleanupAsync() => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        _cache?.Dispose();
        _identity?.Dispose();
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        if (_pgDatabase is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(Environment.GetEnvironmentVariable("SWITCHBOARD_TEST_POSTGRES"));
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_pgDatabase} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
            _pgDatabase = null;
        }

        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
            _directory = null;
        }
    }

    private string NextPrefix() => $"sb_{_next++ % Keys:D6}";
}
