using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Switchboard.Storage.Database;
using Switchboard.Storage.Health;
using Switchboard.Storage.Hosting;
using Switchboard.Storage.Migrations;
using Switchboard.Storage.Tests.Infrastructure;
using Switchboard.Testing;

namespace Switchboard.Storage.Tests.Migrations;

public sealed class BadInputTests
{
    [Fact]
    public async Task Sqlite_CorruptFile_ClearErrorAndFileUntouched()
    {
        var directory = Directory.CreateTempSubdirectory("sb-corrupt-").FullName;
        var file = Path.Combine(directory, "switchboard.db");
        var garbage = new byte[8192];
        new Random(42).NextBytes(garbage);
        await File.WriteAllBytesAsync(file, garbage, TestContext.Current.CancellationToken);
        await using var database = new SqliteStorageDatabase($"Data Source={file}");

        var ex = await Assert.ThrowsAsync<StorageException>(() => new MigrationRunner(database).MigrateAsync(cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("is not a SQLite database or is corrupt", ex.Message, StringComparison.Ordinal);
        Assert.Contains(file, ex.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(file, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Sqlite_ForeignSqliteFile_ClearErrorAndFileUntouched()
    {
        await using var db = await TestDatabase.CreateAsync(StorageProvider.Sqlite);
        await MigrationRunnerTests.Exec(db, "CREATE TABLE orders (id INTEGER PRIMARY KEY); INSERT INTO orders VALUES (1);");
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var before = await File.ReadAllBytesAsync(db.SqliteFile!, TestContext.Current.CancellationToken);

        var result = await db.Commands.MigrateAsync(TestContext.Current.CancellationToken);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not a Switchboard database", result.Message, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(db.SqliteFile!, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PostgreSql_NothingListening_FailsFastWithClearMessage()
    {
        var builder = new NpgsqlConnectionStringBuilder(TestServices.PostgresAdmin) { Port = 1, Timeout = 2 };
        await using var database = new PostgreSqlStorageDatabase(builder.ConnectionString);

        var ex = await Assert.ThrowsAsync<StorageUnavailableException>(() => new MigrationRunner(database).GetStatusAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Cannot reach the PostgreSQL database postgres at 127.0.0.1:1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgreSql_WrongPassword_SaysCredentialsWereRefused()
    {
        var builder = new NpgsqlConnectionStringBuilder(TestServices.PostgresAdmin) { Password = "wrong" };
        await using var database = new PostgreSqlStorageDatabase(builder.ConnectionString);

        var ex = await Assert.ThrowsAsync<StorageUnavailableException>(() => new MigrationRunner(database).GetStatusAsync(TestContext.Current.CancellationToken));

        Assert.Contains("refused the credentials", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgreSql_MissingDatabase_SaysToCreateIt()
    {
        var builder = new NpgsqlConnectionStringBuilder(TestServices.PostgresAdmin) { Database = "sb_does_not_exist" };
        await using var database = new PostgreSqlStorageDatabase(builder.ConnectionString);

        var ex = await Assert.ThrowsAsync<StorageUnavailableException>(() => new MigrationRunner(database).GetStatusAsync(TestContext.Current.CancellationToken));

        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PostgreSql", "", "Storage:ConnectionString is empty")]
    [InlineData("PostgreSql", "Host=;Database=x", "names no Host")]
    [InlineData("PostgreSql", "Hots=db;Database=x", "not a valid PostgreSQL connection string")]
    [InlineData("Sqlite", "Data Source=/tmp", "is a directory")]
    [InlineData("Sqlite", "Dta Source=x.db", "not a valid SQLite connection string")]
    [InlineData("Oracle", "x", "Storage:Provider must be 'Sqlite' (the default) or 'PostgreSql'")]
    public void Options_BadSettings_ValidatorSaysWhatToFix(string provider, string connectionString, string expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:Provider"] = provider, ["Storage:ConnectionString"] = connectionString })
            .Build();
        using var services = new ServiceCollection().AddSwitchboardStorage(configuration).BuildServiceProvider();

        var ex = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_Defaults_AreSqliteInThePerUserDataFolder_WhateverTheWorkingDirectory()
    {
        var configuration = new ConfigurationBuilder().Build();
        using var services = new ServiceCollection().AddSwitchboardStorage(configuration).BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<StorageOptions>>().Value;

        string expected = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify), "switchboard", "switchboard.db");
        Assert.Equal(StorageProvider.Sqlite, options.Provider);
        Assert.True(Path.IsPathRooted(expected), expected);
        Assert.Equal($"Data Source={expected}", options.EffectiveConnectionString);
        Assert.False(options.Redis.Enabled);
    }

    [Theory]
    [InlineData(new[] { "Storage:DataDirectory=/srv/switchboard" }, "Data Source=/srv/switchboard/switchboard.db")]
    [InlineData(new[] { "Storage:DataDirectory=/srv/switchboard", "Storage:ConnectionString=Data Source=/elsewhere/x.db" }, "Data Source=/elsewhere/x.db")]
    [InlineData(new[] { "Storage:DataDirectory=/srv/with;semicolon" }, "Data Source=\"/srv/with;semicolon/switchboard.db\"")]
    public void Options_DataDirectory_HoldsTheSqliteFile_AnExplicitConnectionStringWins(string[] settings, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => s.Split('=', 2)).Select(p => KeyValuePair.Create(p[0], (string?)p[1]))).Build();
        using var services = new ServiceCollection().AddSwitchboardStorage(configuration).BuildServiceProvider();

        Assert.Equal(expected, services.GetRequiredService<IOptions<StorageOptions>>().Value.EffectiveConnectionString);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task HostStart_WithoutMigrateOnStart_RefusesUnmigratedDatabase_WithMigrateOnStart_Migrates(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);
        await using (var services = db.BuildServices())
        {
            var startup = services.GetServices<IHostedService>().OfType<StorageStartup>().Single();
            var ex = await Assert.ThrowsAsync<StorageException>(() => startup.StartAsync(TestContext.Current.CancellationToken));
            Assert.Contains("switchboard migrate", ex.Message, StringComparison.Ordinal);
        }

        await using (var services = db.BuildServices(("Storage:MigrateOnStart", "true")))
        {
            await services.GetServices<IHostedService>().OfType<StorageStartup>().Single().StartAsync(TestContext.Current.CancellationToken);
        }

        Assert.True((await db.Runner.GetStatusAsync(TestContext.Current.CancellationToken)).IsCurrent);
    }

    [Fact]
    public void Options_TopLevelRedisSection_IsHonoured()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Redis:ConnectionString"] = "redis:6379", ["Storage:Redis:KeyPrefix"] = "sb2:" })
            .Build();
        using var services = new ServiceCollection().AddSwitchboardStorage(configuration).BuildServiceProvider();

        var redis = services.GetRequiredService<IOptions<StorageOptions>>().Value.Redis;

        Assert.Equal("redis:6379", redis.ConnectionString);
        Assert.Equal("sb2:", redis.KeyPrefix);
    }

    [Theory]
    [InlineData(StorageProvider.Sqlite)]
    [InlineData(StorageProvider.PostgreSql)]
    public async Task DatabaseHealth_Reachable_Healthy(StorageProvider provider)
    {
        await using var db = await TestDatabase.CreateAsync(provider);

        var result = await new DatabaseHealthCheck(db.Database, db.Options).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Healthy, result.Status);
    }

    [Fact]
    public async Task DatabaseHealth_PostgreSqlUnreachable_UnhealthyQuickly()
    {
        var builder = new NpgsqlConnectionStringBuilder(TestServices.PostgresAdmin) { Port = 1 };
        await using var database = new PostgreSqlStorageDatabase(builder.ConnectionString);
        var options = Microsoft.Extensions.Options.Options.Create(new StorageOptions { Provider = StorageProvider.PostgreSql, ConnectionString = builder.ConnectionString });
        var started = System.Diagnostics.Stopwatch.StartNew();

        var result = await new DatabaseHealthCheck(database, options).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Contains("Cannot reach", result.Description, StringComparison.Ordinal);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }
}
