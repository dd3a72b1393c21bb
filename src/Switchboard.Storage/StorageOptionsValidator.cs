using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Switchboard.Storage;

/// <summary>Checks <see cref="StorageOptions"/> at start, with messages that say what to change.</summary>
internal sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new List<string>();
        if (options.BindingError is not null)
        {
            failures.Add($"The Storage settings could not be read ({options.BindingError}). Storage:Provider must be 'Sqlite' (the default) or 'PostgreSql'; durations look like 00:00:30; switches are true or false.");
            return ValidateOptionsResult.Fail(failures);
        }

        if (!Enum.IsDefined(options.Provider))
        {
            failures.Add($"Storage:Provider is '{options.Provider}'; set it to 'Sqlite' (the default) or 'PostgreSql'.");
        }
        else if (options.Provider == StorageProvider.PostgreSql)
        {
            ValidatePostgreSql(options.ConnectionString, failures);
        }
        else if (options.UsesDataDirectory && string.IsNullOrEmpty(options.EffectiveDataDirectory))
        {
            failures.Add("Storage:DataDirectory is not set and this account has no home folder for the default (~/.local/share/switchboard); set Storage:DataDirectory (environment SWITCHBOARD__Storage__DataDirectory) to the folder that holds the database.");
        }
        else
        {
            ValidateSqlite(options.EffectiveConnectionString, failures);
        }

        if (options.HealthCheckTimeout <= TimeSpan.Zero || options.HealthCheckTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"Storage:HealthCheckTimeout is {options.HealthCheckTimeout}; set it between 00:00:00.1 and 00:01:00.");
        }

        ValidateRedis(options.Redis, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidatePostgreSql(string? connectionString, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            failures.Add("Storage:ConnectionString is empty but Storage:Provider is 'PostgreSql'; set it, e.g. 'Host=db;Port=5432;Database=switchboard;Username=switchboard;Password=...'.");
            return;
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
            {
                failures.Add("Storage:ConnectionString names no Host; add 'Host=<server>' for PostgreSQL.");
            }
        }
        catch (ArgumentException ex)
        {
            failures.Add($"Storage:ConnectionString is not a valid PostgreSQL connection string ({ex.Message}); use 'Host=...;Database=...;Username=...;Password=...'.");
        }
    }

    private static void ValidateSqlite(string connectionString, List<string> failures)
    {
        try
        {
            var builder = new SqliteConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.DataSource))
            {
                failures.Add("Storage:ConnectionString names no Data Source; use 'Data Source=/path/to/switchboard.db', or leave it empty for the file in Storage:DataDirectory.");
            }
            else if (builder.Mode != SqliteOpenMode.Memory && builder.DataSource != ":memory:" && Directory.Exists(builder.DataSource))
            {
                failures.Add($"Storage:ConnectionString's Data Source '{builder.DataSource}' is a directory; name a file inside it, e.g. '{Path.Combine(builder.DataSource, "switchboard.db")}'.");
            }
        }
        catch (ArgumentException ex)
        {
            failures.Add($"Storage:ConnectionString is not a valid SQLite connection string ({ex.Message}); use 'Data Source=<file>', or leave it empty for the file in Storage:DataDirectory.");
        }
    }

    private static void ValidateRedis(RedisOptions redis, List<string> failures)
    {
        if (redis.Enabled)
        {
            try
            {
                _ = ConfigurationOptions.Parse(redis.ConnectionString!);
            }
            catch (ArgumentException ex)
            {
                failures.Add($"Storage:Redis:ConnectionString is not a valid Redis configuration string ({ex.Message}); use e.g. 'redis:6379' or 'redis:6379,password=...,ssl=true'.");
            }
        }

        if (redis.OperationTimeout <= TimeSpan.Zero || redis.OperationTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"Storage:Redis:OperationTimeout is {redis.OperationTimeout}; set it between 00:00:00.010 and 00:00:30.");
        }

        if (redis.LocalCacheDuration <= TimeSpan.Zero || redis.SharedCacheDuration <= TimeSpan.Zero)
        {
            failures.Add("Storage:Redis:LocalCacheDuration and SharedCacheDuration must be positive durations such as 00:00:30.");
        }

        if (string.IsNullOrEmpty(redis.KeyPrefix))
        {
            failures.Add("Storage:Redis:KeyPrefix is empty; set a prefix such as 'switchboard:' so keys never collide with other applications.");
        }
    }
}
