using Npgsql;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Infrastructure;

/// <summary>A PostgreSQL database of one test's own on the test server, dropped (sessions and all) when disposed.</summary>
internal sealed class ScratchDatabase : IAsyncDisposable
{
    private ScratchDatabase(string name) =>
        (Name, ConnectionString) = (name, new NpgsqlConnectionStringBuilder(TestServices.PostgresAdmin) { Database = name }.ConnectionString);

    /// <summary>The database's name: <c>prefix</c> and a random suffix.</summary>
    public string Name { get; }

    /// <summary>How to reach it, as the test server's administrator.</summary>
    public string ConnectionString { get; }

    /// <summary>The flags that point <c>switchboard</c> at it.</summary>
    public string[] Flags => ["--Storage:Provider=PostgreSql", $"--Storage:ConnectionString={ConnectionString}"];

    /// <summary>Creates an empty database named <paramref name="prefix"/> and a random suffix.</summary>
    public static async Task<ScratchDatabase> CreateAsync(string prefix)
    {
        var database = new ScratchDatabase($"{prefix}_{Guid.NewGuid():N}"[..(prefix.Length + 13)]);
        await ExecuteAsync($"CREATE DATABASE {database.Name}", TestContext.Current.CancellationToken);
        return database;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await ExecuteAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", CancellationToken.None);

    private static async Task ExecuteAsync(string sql, CancellationToken cancellationToken)
    {
        await using var admin = new NpgsqlConnection(TestServices.PostgresAdmin);
        await admin.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
