using System.Diagnostics;
using System.Net;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Infrastructure;
using Switchboard.Storage;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Identity;

/// <summary>
/// A running <c>switchboard serve</c> and the <c>switchboard</c> CLI on the same database, as an operator works: keys
/// and roles changed with the CLI are in force in the gateway within about a second (the identity version, migration
/// 5), not when the gateway's caches happen to expire (30 s), with or without Redis.
/// </summary>
public sealed class CliChangesReachTheGatewayTests
{
    // Far below the 30 s the gateway's caches would take to expire by themselves, so only the identity version can
    // pass; far above the ~1 s poll, for a loaded 2-core runner. The test logs the latencies it measured.
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(StorageProvider.Sqlite, false)]
    [InlineData(StorageProvider.PostgreSql, false)]
    [InlineData(StorageProvider.PostgreSql, true)]
    public async Task KeysRevokedAndRolesChangedWithTheCli_AreInForceInARunningGatewayAtOnce(StorageProvider provider, bool redis)
    {
        string workingDirectory = Directory.CreateTempSubdirectory("switchboard-cli-changes-").FullName;
        // Its own folder: the default data folder is per user and outlives the test.
        List<string> flags = ["--Logging:LogLevel:Default=Warning", $"--Storage:DataDirectory={workingDirectory}"];
        await using var database = provider == StorageProvider.PostgreSql ? await ScratchDatabase.CreateAsync("sb_cli") : null;
        if (database is not null)
        {
            flags.AddRange(database.Flags);
        }

        if (redis)
        {
            flags.AddRange([$"--Redis:ConnectionString={TestServices.Redis}", $"--Redis:KeyPrefix=t{Guid.NewGuid():N}:"]);
        }

        try
        {
            Cli(workingDirectory, flags, await RunAsync(workingDirectory, flags, "migrate"));
            Cli(workingDirectory, flags, await RunAsync(workingDirectory, flags, "roles", "set", "ids", "--permission", "tools:call utilities/uuid_*"));
            string idsKey = Cli(workingDirectory, flags, await RunAsync(workingDirectory, flags, "keys", "create", "--name", "id-maker", "--role", "ids"));
            string doomedKey = Cli(workingDirectory, flags, await RunAsync(workingDirectory, flags, "keys", "create", "--name", "doomed", "--role", "agent"));
            await using var gateway = await GatewayProcess.StartAsync(flags, workingDirectory, Timeout);

            // Cached in the gateway from here on: the doomed key and the ids role's tools.
            Assert.Equal(HttpStatusCode.OK, (await gateway.RequestAsync(doomedKey, "tools/list", cancellationToken: Ct)).Status);
            Assert.Equal(["utilities__uuid_v4", "utilities__uuid_v7"], await ToolsAsync(gateway, idsKey));

            Cli(workingDirectory, flags, await RunAsync(workingDirectory, flags, "keys", "revoke", doomedKey[..16]));
            var revoked = await EventuallyAsync(
                async () => (await gateway.RequestAsync(doomedKey, "tools/list", cancellationToken: Ct)).Status == HttpStatusCode.Unauthorized,
                "the key revoked with the CLI still worked");

            Cli(workingDirectory, flags, await RunAsync(workingDirectory, flags, "roles", "set", "ids", "--permission", "tools:call utilities/slugify"));
            var changed = await EventuallyAsync(
                async () => (await ToolsAsync(gateway, idsKey)).SequenceEqual(["utilities__slugify"]),
                "the role changed with the CLI still showed its old tools");

            Cli(workingDirectory, flags, await RunAsync(workingDirectory, flags, "roles", "set", "fresh", "--permission", "tools:call utilities/uuid_v4"));
            string freshKey = Cli(workingDirectory, flags, await RunAsync(workingDirectory, flags, "keys", "create", "--name", "fresh-key", "--role", "fresh"));
            var created = await EventuallyAsync(
                async () => (await ToolsAsync(gateway, freshKey)).SequenceEqual(["utilities__uuid_v4"]),
                "a key of a role made with the CLI did not see the role's tools");

            TestContext.Current.TestOutputHelper?.WriteLine(
                $"{provider}{(redis ? " + Redis" : string.Empty)}: revoke {revoked.TotalMilliseconds:F0} ms, role change {changed.TotalMilliseconds:F0} ms, new role's key {created.TotalMilliseconds:F0} ms after the CLI exited.");
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    private static async Task<TimeSpan> EventuallyAsync(Func<Task<bool>> condition, string failure)
    {
        var clock = Stopwatch.StartNew();
        await Poll.UntilAsync(condition, Bound, failure);
        return clock.Elapsed;
    }

    private static async Task<List<string>> ToolsAsync(GatewayProcess gateway, string key)
    {
        var (status, message) = await gateway.RequestAsync(key, "tools/list", cancellationToken: Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. message!.Value.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];
    }

    // What the CLI printed on stdout (a key, for keys create), after checking it succeeded.
    private static string Cli(string workingDirectory, List<string> flags, ProcessResult result)
    {
        Assert.True(result.ExitCode == 0, $"in {workingDirectory} with {string.Join(' ', flags)}:{Environment.NewLine}{result.Output}");
        return result.StandardOutput.Trim();
    }

    private static Task<ProcessResult> RunAsync(string workingDirectory, List<string> flags, params string[] command) =>
        ProcessRunner.RunAsync(GatewayProcess.Executable, [.. command, .. flags], Timeout, workingDirectory, cancellationToken: Ct);
}
