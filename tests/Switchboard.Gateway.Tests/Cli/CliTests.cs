using System.Diagnostics;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Gateway.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Cli;

/// <summary>The real <c>switchboard</c> executable, as an operator or a desktop client runs it.</summary>
public sealed class CliTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "switchboard");

    // Each test runs the executable in a directory of its own, where the embedded database (./data) is created.
    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-cli-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_workingDirectory, recursive: true);

    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        var result = await RunAsync("version");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("switchboard ", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData]
    [InlineData("serve")]
    [InlineData("mcp")]
    [InlineData("healthcheck")]
    [InlineData("version")]
    public async Task Help_IsAvailableOnEveryLevel(params string[] command)
    {
        var result = await RunAsync([.. command, "--help"]);

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("Usage:", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mcp_UnknownServer_FailsAndListsTheKnownOnes()
    {
        var result = await RunAsync("mcp", "no-such-server");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("everything", result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--Gateway:MaxRequestBodyBytes=5", "Gateway:MaxRequestBodyBytes is 5; set it between")]
    [InlineData("--Gateway:AllowedHosts:0=http://bad/", "Gateway:AllowedHosts contains 'http://bad/'")]
    [InlineData("--Servers:evrything:Enabled=true", "Servers:evrything names no server this build has")]
    [InlineData("--Gateway:Sessions=Sometimes", "Sometimes")]
    [InlineData("--Audit:RetentionDays=-1", "Audit:RetentionDays is -1; set a number of days between 1 and")]
    [InlineData("--Gateway:TrustedProxies:0=proxy.internal", "Gateway:TrustedProxies contains 'proxy.internal'")]
    [InlineData("--Identity:FailedAuthenticationLimit:Permits=0", "Identity:FailedAuthenticationLimit needs Permits")]
    [InlineData("--Servers:remote:Url=ftp://files.internal/mcp", "Servers:remote:Url must be an absolute http:// or https:// URL")]
    [InlineData("--Servers:remote:Command=", "Servers:remote:Command is empty")]
    public async Task Serve_InvalidConfiguration_ExitsOneAndSaysWhatToFix(string flag, string message)
    {
        var result = await RunAsync("serve", "--urls", LoopbackPort.NextUrl(), flag);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Healthcheck_NothingListening_ExitsOne()
    {
        var result = await RunAsync("healthcheck", "--url", $"{LoopbackPort.NextUrl()}/healthz/ready", "--timeout", "00:00:02");

        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task McpOverHttp_ServesTheServerAlone_AndHealthcheckSeesItReady()
    {
        string url = LoopbackPort.NextUrl();
        string key = ApiKeyFormat.Generate().Key;
        using var server = ProcessRunner.Start(Executable, ["mcp", "everything", "--urls", url, $"--Identity:BootstrapAdminKey={key}"], _workingDirectory);
        try
        {
            await WaitUntilReadyAsync(url);

            var transport = new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri($"{url}/mcp"),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {key}" },
            });
            await using var client = await McpClient.CreateAsync(transport, cancellationToken: Ct);
            var tools = await client.ListToolsAsync(cancellationToken: Ct);

            Assert.Contains(tools, t => t.Name == "test_simple_text");
        }
        finally
        {
            Stop(server);
        }
    }

    [Fact]
    public async Task McpOverStdio_ListsAndCallsTools()
    {
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = Executable,
            Arguments = ["mcp", "everything", "--stdio"],
            Name = "switchboard-stdio",
        });
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: Ct);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        var result = await client.CallToolAsync("test_simple_text", cancellationToken: Ct);

        Assert.Contains(tools, t => t.Name == "test_elicitation");
        Assert.Equal("This is a simple text response for testing.", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text);
        Assert.Equal("everything", client.ServerInfo?.Name);
    }

    [Fact]
    public async Task McpFilesystemOverStdio_ServesTheGivenRoot_ReadOnlyHidesWriters()
    {
        string root = Directory.CreateDirectory(Path.Combine(_workingDirectory, "files")).FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "hello.txt"), "hello from the sandbox", Ct);
        var transport = new StdioClientTransport(new StdioClientTransportOptions
        {
            Command = Executable,
            Arguments = ["mcp", "filesystem", "--root", root, "--read-only", "--stdio"],
            WorkingDirectory = _workingDirectory,
        });
        await using var client = await McpClient.CreateAsync(transport, cancellationToken: Ct);

        var tools = (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToList();
        var read = await client.CallToolAsync("read_text_file", new Dictionary<string, object?> { ["path"] = Path.Combine(root, "hello.txt") }, cancellationToken: Ct);

        Assert.Contains("read_text_file", tools);
        Assert.DoesNotContain("write_file", tools);
        Assert.Contains("hello from the sandbox", Assert.IsType<TextContentBlock>(read.Content[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task McpFilesystem_WithoutARoot_FailsSayingWhatToSet()
    {
        var result = await RunAsync("mcp", "filesystem", "--urls", LoopbackPort.NextUrl());

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("Roots", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_ThenBackupAndExport_ReportWhatTheyDid()
    {
        var migrate = await RunAsync("migrate");
        var again = await RunAsync("migrate");
        var backup = await RunAsync("backup", Path.Combine(_workingDirectory, "backup.db"));
        var export = await RunAsync("export", Path.Combine(_workingDirectory, "export.jsonl"));

        Assert.True(migrate.ExitCode == 0, migrate.Output);
        Assert.Contains("applied 0001_initial", migrate.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("nothing to apply", again.StandardOutput, StringComparison.Ordinal);
        Assert.True(backup.ExitCode == 0 && File.Exists(Path.Combine(_workingDirectory, "backup.db")), backup.Output);
        Assert.True(export.ExitCode == 0 && File.Exists(Path.Combine(_workingDirectory, "export.jsonl")), export.Output);
    }

    [Fact]
    public async Task Roles_SetThenAKeyUsesIt_DeleteRefusedWhileHeld_FixedRolesRefused()
    {
        var set = await RunAsync("roles", "set", "ids-only", "--permission", "tools:call utilities/uuid_*", "--description", "identifiers");
        var key = await RunAsync("keys", "create", "--name", "id-maker", "--role", "ids-only");
        var list = await RunAsync("roles", "list");
        var deleteHeld = await RunAsync("roles", "delete", "ids-only");
        var builtIn = await RunAsync("roles", "set", "admin", "--permission", "tools:call **");
        var badPermission = await RunAsync("roles", "set", "odd", "--permission", "tools:call a b");

        Assert.True(set.ExitCode == 0, set.Output);
        Assert.True(key.ExitCode == 0, key.Output);
        Assert.Contains("ids-only\tStored\ttools:call utilities/uuid_*", list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("admin\tBuiltIn\t*", list.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, deleteHeld.ExitCode);
        Assert.Contains("held by 1 principal", deleteHeld.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, builtIn.ExitCode);
        Assert.Contains("built-in role", builtIn.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, badPermission.ExitCode);
    }

    [Fact]
    public async Task Keys_CreateListRotateRevoke_NeverShowTheSecretAgain()
    {
        var created = await RunAsync("keys", "create", "--name", "ci-agent", "--role", "agent");
        string key = created.StandardOutput.Trim();
        string prefix = key[..16];
        var unknownRole = await RunAsync("keys", "create", "--name", "other", "--role", "no-such-role");
        var rotated = await RunAsync("keys", "rotate", prefix);
        var revoked = await RunAsync("keys", "revoke", rotated.StandardOutput.Trim()[..16]);
        var list = await RunAsync("keys", "list");

        Assert.True(created.ExitCode == 0 && ApiKeyFormat.TryParse(key, out _, out _), created.Output);
        Assert.Equal(1, unknownRole.ExitCode);
        Assert.Contains("There is no role 'no-such-role'", unknownRole.StandardError, StringComparison.Ordinal);
        Assert.True(rotated.ExitCode == 0 && revoked.ExitCode == 0, rotated.Output + revoked.Output);
        Assert.Equal(2, list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.DoesNotContain(key, list.StandardOutput, StringComparison.Ordinal);
        Assert.All(list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries), line => Assert.NotEqual("-", line.Split('\t')[6]));
    }

    [Fact]
    public async Task AuditVerify_AfterOneStoredEventIsEdited_ReportsExactlyWhereTheChainBreaks()
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await RunAsync("keys", "create", "--name", $"agent-{i}", "--role", "agent")).ExitCode);
        }

        var intact = await RunAsync("audit", "verify");
        var listed = await RunAsync("audit", "list", "--action", "keys.create");
        await using (var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_workingDirectory, "data", "switchboard.db")};Pooling=false"))
        {
            await database.OpenAsync(Ct);
            await using var tamper = database.CreateCommand();
            tamper.CommandText = "UPDATE audit_events SET actor = 'someone-else' WHERE seq = 2";
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync(Ct));
        }

        var broken = await RunAsync("audit", "verify");

        Assert.True(intact.ExitCode == 0, intact.Output);
        Assert.Equal(3, listed.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains("broken at event 2:", broken.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditPrune_LeavesAVerifiableChain_AndTamperingWithTheAnchorIsCaught()
    {
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await RunAsync("keys", "create", "--name", $"agent-{i}", "--role", "agent")).ExitCode);
        }

        int events = Lines((await RunAsync("audit", "list", "--limit", "1000")).StandardOutput);
        var noAge = await RunAsync("audit", "prune");
        var keepThirtyDays = await RunAsync("audit", "prune", "--Audit:RetentionDays=30");
        var pruned = await RunAsync("audit", "prune", "--older-than", "00:00:00");
        var verified = await RunAsync("audit", "verify");
        var prunes = await RunAsync("audit", "list", "--action", "audit.prune");
        await using (var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_workingDirectory, "data", "switchboard.db")};Pooling=false"))
        {
            await database.OpenAsync(Ct);
            await using var tamper = database.CreateCommand();
            tamper.CommandText = "UPDATE audit_anchor SET hash = 'forged'";
            Assert.Equal(1, await tamper.ExecuteNonQueryAsync(Ct));
        }

        var broken = await RunAsync("audit", "verify");

        Assert.True(events >= 3, $"{events} events before pruning");
        Assert.Equal(1, noAge.ExitCode);
        Assert.Contains("pass --older-than", noAge.StandardError, StringComparison.Ordinal);
        Assert.True(keepThirtyDays.ExitCode == 0, keepThirtyDays.Output);
        Assert.Contains("Nothing to prune", keepThirtyDays.StandardOutput, StringComparison.Ordinal);
        Assert.True(pruned.ExitCode == 0, pruned.Output);
        Assert.Contains($"Pruned {events} events older than", pruned.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"the chain now starts at event {events + 1}", pruned.StandardOutput, StringComparison.Ordinal);
        Assert.True(verified.ExitCode == 0, verified.Output);
        Assert.Contains($"1 events verified since event {events + 1}; events through {events}", verified.StandardOutput, StringComparison.Ordinal);
        Assert.StartsWith($"{events + 1}\t", prunes.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"\tcli:{Environment.UserName}\taudit.prune\t", prunes.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, broken.ExitCode);
        Assert.Contains($"broken at event {events + 1}: it does not link to the prune anchor (event {events})", broken.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Migrate_UnreachableDatabase_ExitsOneWithAClearError()
    {
        var result = await RunAsync("migrate", "--Storage:Provider=PostgreSql", "--Storage:ConnectionString=Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Cannot reach the PostgreSQL database", result.StandardError, StringComparison.Ordinal);
    }

    private async Task WaitUntilReadyAsync(string url)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            var probe = await RunAsync("healthcheck", "--url", $"{url}/healthz/ready", "--timeout", "00:00:02");
            if (probe.ExitCode == 0)
            {
                return;
            }

            Assert.True(deadline.Elapsed < Timeout, $"Not ready after {Timeout}: {probe.Output}");
            await Task.Delay(TimeSpan.FromMilliseconds(200), Ct); // polling a process we cannot signal from here
        }
    }

    private static int Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;

    private static void Stop(Process process)
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    private Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(Executable, arguments, Timeout, _workingDirectory, cancellationToken: Ct);
}
