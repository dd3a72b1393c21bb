using Npgsql;
using Switchboard.Testing;

namespace Switchboard.Deploy.Tests;

/// <summary>
/// <c>switchboard backup</c> and <c>restore</c> need <c>pg_dump</c>/<c>pg_restore</c> for PostgreSQL, which the chiseled
/// image lacks (issue 13): the main image says where to go, and the <c>-pgtools</c> image does it.
/// </summary>
[Collection(OneAtATime.Name)]
public sealed class PgToolsImageTests : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly string _backups = Directory.CreateTempSubdirectory("switchboard-backups-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PgToolsImage_BacksUpAndRestoresPostgreSql_TheMainImageSaysToUseIt()
    {
        Podman.SkipIfUnavailable();
        await using var postgres = await PostgresProcess.StartAsync(Ct);
        string source = await CreateDatabaseAsync(postgres, "source");
        string target = await CreateDatabaseAsync(postgres, "target");
        await RunHostAsync(["migrate", .. Storage(source)]);
        string key = (await RunHostAsync(["keys", "create", "--name", "backed-up", "--role", "viewer", .. Storage(source)])).Trim();
        // The containers run as 1654 and write the backup here.
        File.SetUnixFileMode(_backups, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute);

        var withoutTools = await InContainerAsync(DeployEnvironment.Image, ["backup", "/backups/main.bak", .. Storage(source)]);
        var backup = await InContainerAsync(DeployEnvironment.PgToolsImage, ["backup", "/backups/switchboard.bak", .. Storage(source)]);
        var restore = await InContainerAsync(DeployEnvironment.PgToolsImage, ["restore", "/backups/switchboard.bak", .. Storage(target)]);
        string restoredKeys = await RunHostAsync(["keys", "list", .. Storage(target)]);

        Assert.Equal(1, withoutTools.ExitCode);
        Assert.Contains("run backup and restore from its -pgtools image", withoutTools.Output, StringComparison.Ordinal);
        Assert.True(backup.ExitCode == 0, backup.Output);
        Assert.True(restore.ExitCode == 0, restore.Output);
        Assert.Contains(key[..16], restoredKeys, StringComparison.Ordinal);
    }

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_backups, recursive: true);
        return ValueTask.CompletedTask;
    }

    private static string[] Storage(string connectionString) => ["--Storage:Provider=PostgreSql", $"--Storage:ConnectionString={connectionString}"];

    private static async Task<string> CreateDatabaseAsync(PostgresProcess postgres, string name)
    {
        await using var admin = new NpgsqlConnection(postgres.ConnectionString);
        await admin.OpenAsync(Ct);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
        await create.ExecuteNonQueryAsync(Ct);
        return new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = name }.ConnectionString;
    }

    private static async Task<string> RunHostAsync(string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(DeployEnvironment.Executable(DeployEnvironment.Published), arguments, Timeout, cancellationToken: Ct);
        Assert.True(result.ExitCode == 0, $"switchboard {arguments[0]}: {result.Output}");
        return result.StandardOutput;
    }

    // The host's network, so that the container reaches the test's PostgreSQL on 127.0.0.1.
    private Task<ProcessResult> InContainerAsync(string image, string[] command) =>
        Podman.TryAsync(["run", "--rm", "--read-only", "--network", "host", "--volume", $"{_backups}:/backups", image, .. command]);
}
