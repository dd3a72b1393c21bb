using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Access.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Cli;

/// <summary>The published <c>switchboard</c> executable, as an operator or a desktop client runs it.</summary>
public sealed class CliTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    // Each test runs the executable in a directory of its own, with its data folder (Storage:DataDirectory) inside.
    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-cli-").FullName;

    private static string Executable => PublishedSwitchboard.Path;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string DataDirectory => Path.Combine(_workingDirectory, "data");

    private string DatabasePath => Path.Combine(DataDirectory, "switchboard.db");

    // Every run gets the test's data folder, as the container's environment gives it /data: none touches the user's.
    private Dictionary<string, string> RunEnvironment => new() { ["SWITCHBOARD__Storage__DataDirectory"] = DataDirectory };

    public void Dispose() => Directory.Delete(_workingDirectory, recursive: true);

    [Fact]
    public async Task Version_PrintsTheVersion()
    {
        var result = await RunAsync("version");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("switchboard ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains($"(database schema {Storage.Migrations.MigrationCatalog.LatestVersion}; also serves {Storage.Migrations.MigrationCatalog.LatestVersion + 1}, the next release's)", result.StandardOutput, StringComparison.Ordinal);
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
    [InlineData("--Gateway:MaxSessionsPerPrincipal=0", "Gateway:MaxSessionsPerPrincipal is 0; set it to 1 or more.")]
    [InlineData("--Gateway:Admission:MaxRequests=-1", "Gateway:Admission:MaxRequests is -1; set it to 1 or more, or 0")]
    [InlineData("--Gateway:Admission:MaxHold=00:00:00", "Gateway:Admission:MaxHold is 00:00:00; set a positive duration")]
    [InlineData("--Gateway:AllowedHosts:0=http://bad/", "Gateway:AllowedHosts contains 'http://bad/'")]
    [InlineData("--Servers:evrything:Enabled=true", "Servers:evrything names no server this build has")]
    [InlineData("--Gateway:Sessions=Sometimes", "Gateway:Sessions is 'Sometimes'; set it to one of: Hybrid, Stateless.")]
    [InlineData("--Gateway:MaxRequestBodyBytes=lots", "Gateway:MaxRequestBodyBytes is 'lots'; set it to a whole number.")]
    [InlineData("--Storage:Provider=Mysql", "Storage:Provider must be 'Sqlite' (the default) or 'PostgreSql'")]
    [InlineData("--Audit:RetentionDays=-1", "Audit:RetentionDays is -1; set a number of days between 1 and")]
    [InlineData("--Gateway:TrustedProxies:0=proxy.internal", "Gateway:TrustedProxies contains 'proxy.internal'")]
    [InlineData("--Shutdown:NotReadyDelay=-00:00:01", "Shutdown:NotReadyDelay is -00:00:01; set it between 00:00:00 and 00:05:00")]
    [InlineData("--Shutdown:DrainTimeout=00:00:00", "Shutdown:DrainTimeout is 00:00:00; set it above 00:00:00")]
    [InlineData("--Identity:FailedAuthenticationLimit:Permits=0", "Identity:FailedAuthenticationLimit needs Permits")]
    [InlineData("--Policy:Roles:lister:0=tools:list financial/*", "Policy:Roles:lister: 'tools:list' is not an action: use one of tools:call, resources:read")]
    [InlineData("--Servers:remote:Url=ftp://files.internal/mcp", "Servers:remote:Url must be an absolute http:// or https:// URL")]
    [InlineData("--Servers:remote:Command=", "Servers:remote:Command is empty")]
    public async Task Serve_InvalidConfiguration_ExitsOneAndSaysWhatToFix(string flag, string message)
    {
        var result = await RunAsync("serve", "--urls", LoopbackPort.NextUrl(), flag);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        // A setting to fix is not a bug: the message alone, no stack trace.
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--urls", "garbage", "urls has 'garbage', which is not an address to listen on")]
    [InlineData("--urls", "http://127.0.0.1:99999", "urls has 'http://127.0.0.1:99999', whose port 99999 is not between 0 and 65535")]
    [InlineData("--urls", "http://127.0.0.1:18999;:8080", "urls has ':8080', which is not an address to listen on")]
    [InlineData("--Kestrel:Endpoints:main:Url=http://127.0.0.1:70000", null, "Kestrel:Endpoints:main:Url has 'http://127.0.0.1:70000', whose port 70000")]
    public async Task Serve_AnAddressKestrelCannotListenOn_ExitsOneAndSaysWhich(string flag, string? value, string message)
    {
        var result = await RunAsync(["serve", flag, .. value is null ? Array.Empty<string>() : [value]]);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_OnAPortInUse_ExitsOneWithOnlyTheMessage()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        string url = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";

        var result = await RunAsync("serve", "--urls", url);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains($"switchboard: cannot start: Failed to bind to address {url}: address already in use.", result.StandardError, StringComparison.Ordinal);
        // The services that had started stop as on any stop: none reports its cancellation as a crash.
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("crit:", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_UnmigratedDatabaseWithoutMigrateOnStart_ExitsOneSayingToMigrate_WithoutAStackTrace()
    {
        var result = await RunAsync("serve", "--urls", LoopbackPort.NextUrl(), "--Storage:MigrateOnStart=false");

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("Run `switchboard migrate`", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("keys", "list", "--Storage:Provider=Mysql")]
    [InlineData("audit", "verify", "--Gateway:Sessions=Sometimes", "--Storage:Provider=Mysql")]
    public async Task OperatorCommand_InvalidConfiguration_ExitsOneWithOnlyTheMessage(params string[] command)
    {
        var result = await RunAsync(command);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("Storage:Provider must be 'Sqlite' (the default) or 'PostgreSql'", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
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
        using var server = ProcessRunner.Start(Executable, ["mcp", "everything", "--urls", url, $"--Identity:BootstrapAdminKey={key}"], _workingDirectory, RunEnvironment);
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

    // A script writes its requests and closes the pipe at once (echo '{…}' | switchboard mcp utilities --stdio): every
    // request read before the end is still answered, a failing one included, and then the process exits.
    [Fact]
    public async Task McpOverStdio_InputEndingRightAfterItsRequests_GetsEveryAnswerThenExits()
    {
        string[] requests =
        [
            """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"script","version":"1"}}}""",
            """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
            """{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"uuid_v4","arguments":{"count":3}}}""",
            """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"no_such_tool","arguments":{}}}""",
        ];

        var result = await ProcessRunner.RunAsync(Executable, ["mcp", "utilities", "--stdio"], Timeout, _workingDirectory, RunEnvironment, Ct, string.Join('\n', requests) + "\n");

        Assert.Equal(0, result.ExitCode);
        var answers = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => System.Text.Json.Nodes.JsonNode.Parse(line)!).ToDictionary(a => (int)a["id"]!);
        Assert.True(answers.Keys.Order().SequenceEqual([1, 2, 3]), result.Output);
        Assert.Equal("utilities", (string?)answers[1]["result"]!["serverInfo"]!["name"]);
        Assert.Equal(3, answers[2]["result"]!["structuredContent"]!["ids"]!.AsArray().Count);
        Assert.NotNull(answers[3]["error"]);
    }

    // A line that is no valid message gets the JSON-RPC error for it, with its id when that can be read and null when
    // not (JSON-RPC 2.0 §5), where the SDK's transport dropped a line that is not JSON unanswered and answered bad
    // params as an internal error. The lines around it are served, and the input's last line, without its end, too.
    [Fact]
    public async Task McpOverStdio_MalformedLines_GetJsonRpcErrors_AndTheRestIsServed()
    {
        string[] lines =
        [
            "\uFEFF" + """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"script","version":"1"}}}""",
            """{"jsonrpc":"2.0","method":"notifications/initialized"}""",
            "hello",
            "[1,2]",
            """{"jsonrpc":"2.0","id":3}""",
            "  \r",
            """{"jsonrpc":"2.0","id":4,"method":"logging/setLevel","params":{"level":"loud"}}""",
            """{"jsonrpc":"2.0","id":"five","method":"tools/list","params":{"cursor":5}}""",
            """{"jsonrpc":"2.0","id":6,"method":"completion/complete","params":{}}""",
            """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"uuid_v4","arguments":{"count":1}}}""",
            """{"jsonrpc":"2.0","id":8,"method":""",
        ];

        var result = await ProcessRunner.RunAsync(Executable, ["mcp", "utilities", "--stdio"], Timeout, _workingDirectory, RunEnvironment, Ct, string.Join('\n', lines));

        Assert.True(result.ExitCode == 0, result.Output);
        var answers = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => System.Text.Json.Nodes.JsonNode.Parse(line)!).ToList();
        int? Code(System.Text.Json.Nodes.JsonNode answer) => (int?)answer["error"]?["code"];
        var withoutId = answers.Where(a => a["id"] is null).Select(Code).ToList();
        var byId = answers.Where(a => a["id"] is not null).ToDictionary(a => a["id"]!.ToJsonString());
        Assert.True(withoutId.SequenceEqual([-32700, -32600, -32700]), result.Output); // hello, [1,2], the cut-off last line
        Assert.True(byId.Keys.Order().SequenceEqual(["\"five\"", "1", "3", "4", "6", "7"]), result.Output);
        Assert.Equal("utilities", (string?)byId["1"]["result"]!["serverInfo"]!["name"]);
        Assert.Equal(-32600, Code(byId["3"]));
        Assert.Equal(-32602, Code(byId["4"]));
        Assert.Contains("\"level\"", (string?)byId["4"]["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(-32602, Code(byId["\"five\""]));
        Assert.Contains("\"cursor\"", (string?)byId["\"five\""]["error"]!["message"], StringComparison.Ordinal);
        Assert.Equal(-32602, Code(byId["6"]));
        Assert.Single(byId["7"]["result"]!["structuredContent"]!["ids"]!.AsArray());
        Assert.DoesNotContain("request handler failed", result.StandardError, StringComparison.Ordinal);
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
        Assert.DoesNotContain("   at ", result.Output, StringComparison.Ordinal);
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
        await CreateDatabaseAsync();
        var set = await RunAsync("roles", "set", "ids-only", "--permission", "tools:call utilities/uuid_*", "--description", "identifiers");
        var key = await RunAsync("keys", "create", "--name", "id-maker", "--role", "ids-only");
        var list = await RunAsync("roles", "list");
        var deleteHeld = await RunAsync("roles", "delete", "ids-only");
        var builtIn = await RunAsync("roles", "set", "admin", "--permission", "tools:call **");
        var badPermission = await RunAsync("roles", "set", "odd", "--permission", "tools:call a b");
        var unknownAction = await RunAsync("roles", "set", "lister", "--permission", "tools:list financial/*");

        Assert.True(set.ExitCode == 0, set.Output);
        Assert.True(key.ExitCode == 0, key.Output);
        Assert.StartsWith("NAME\tSOURCE\tPERMISSIONS\n", list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("ids-only\tStored\ttools:call utilities/uuid_*", list.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("admin\tBuiltIn\t*", list.StandardOutput, StringComparison.Ordinal);
        Assert.Equal(1, deleteHeld.ExitCode);
        Assert.Contains("held by 1 principal", deleteHeld.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, builtIn.ExitCode);
        Assert.Contains("built-in role", builtIn.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, badPermission.ExitCode);
        Assert.Equal(1, unknownAction.ExitCode);
        Assert.Contains("'tools:list' is not an action: use one of tools:call, resources:read, prompts:get, admin:keys, admin:audit, admin:servers, admin:roles", unknownAction.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_CreateListRotateRevoke_NeverShowTheSecretAgain()
    {
        await CreateDatabaseAsync();
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
        var rows = list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("ID\tPREFIX\tPRINCIPAL\tROLES\tCREATED\tEXPIRES\tREVOKED\tLAST USED", rows[0]);
        Assert.Equal(2, rows.Length - 1);
        Assert.DoesNotContain(key, list.StandardOutput, StringComparison.Ordinal);
        Assert.All(rows[1..], line => Assert.NotEqual("-", line.Split('\t')[6]));
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("-00:00:01")]
    [InlineData("-10675199.02:48:05.4775808")]
    [InlineData("10675199.02:48:05.4775807")]
    public async Task Keys_CreateWithALifetimeNotPositiveOrPastTheCalendar_IsAUsageError_AndCreatesNothing(string lifetime)
    {
        await CreateDatabaseAsync();

        var refused = await RunAsync("keys", "create", "--name", "expired", "--role", "agent", "--expires", lifetime);
        var list = await RunAsync("keys", "list");

        Assert.True(refused.ExitCode == 2, refused.Output);
        Assert.StartsWith("switchboard: --expires", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, Lines(refused.StandardError));
        Assert.Equal(string.Empty, refused.StandardOutput);
        Assert.Equal(1, Lines(list.StandardOutput)); // the header row only
    }

    [Theory]
    [InlineData("a\tb")]
    [InlineData("\u202Eadmin")]
    [InlineData("ad\u200Bmin")]
    public async Task Keys_CreateWithAControlOrInvisibleCharacterInTheName_IsRefused(string escapedName)
    {
        await CreateDatabaseAsync();

        var refused = await RunAsync("keys", "create", "--name", System.Text.RegularExpressions.Regex.Unescape(escapedName), "--role", "agent");
        var list = await RunAsync("keys", "list");

        Assert.True(refused.ExitCode == 1, refused.Output);
        Assert.Contains("cannot hold control or invisible formatting characters", refused.StandardError, StringComparison.Ordinal);
        Assert.Equal(1, Lines(list.StandardOutput));
    }

    [Fact]
    public async Task AuditVerify_AfterOneStoredEventIsEdited_ReportsExactlyWhereTheChainBreaks()
    {
        await CreateDatabaseAsync();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(0, (await RunAsync("keys", "create", "--name", $"agent-{i}", "--role", "agent")).ExitCode);
        }

        var intact = await RunAsync("audit", "verify");
        var listed = await RunAsync("audit", "list", "--action", "keys.create");
        await using (var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
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
        await CreateDatabaseAsync();
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
        await using (var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
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
        Assert.Contains($"1 event verified since event {events + 1}; events through {events}", verified.StandardOutput, StringComparison.Ordinal);
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

    [Theory]
    [InlineData("keys", "list")]
    [InlineData("keys", "create", "--name", "early", "--role", "agent")]
    [InlineData("roles", "list")]
    [InlineData("audit", "verify")]
    [InlineData("audit", "list")]
    [InlineData("migrate", "--status")]
    [InlineData("backup", "backup.db")]
    [InlineData("export", "export.jsonl")]
    public async Task OperatorCommand_NoDatabaseYet_RefusesToCreateOne_AndSaysWhereItLookedAndHowToPointElsewhere(params string[] command)
    {
        var result = await RunAsync(command);

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains($"there is no database at {DatabasePath}, and this command does not create one", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("--Storage:DataDirectory=DIR (environment SWITCHBOARD__Storage__DataDirectory)", result.StandardError, StringComparison.Ordinal);
        Assert.False(File.Exists(DatabasePath), "the refused command created the database");
    }

    [Fact]
    public async Task DefaultDataFolder_IsTheSameFromEveryWorkingDirectory_AndEveryCommandSaysWhichDatabaseItUses()
    {
        // No Storage setting at all: the per-user data folder, which XDG_DATA_HOME moves into this test's directory.
        string userData = Path.Combine(_workingDirectory, "user-data");
        string database = Path.Combine(userData, "switchboard", "switchboard.db");
        var environment = new Dictionary<string, string> { ["XDG_DATA_HOME"] = userData };
        string[] folders = [.. new[] { "a", "b", "c" }.Select(name => Directory.CreateDirectory(Path.Combine(_workingDirectory, name)).FullName)];

        var migrate = await ProcessRunner.RunAsync(Executable, ["migrate"], Timeout, folders[0], environment, Ct);
        var create = await ProcessRunner.RunAsync(Executable, ["keys", "create", "--name", "anywhere", "--role", "agent"], Timeout, folders[1], environment, Ct);
        var list = await ProcessRunner.RunAsync(Executable, ["keys", "list"], Timeout, folders[2], environment, Ct);

        Assert.All(new[] { migrate, create, list }, result =>
        {
            Assert.True(result.ExitCode == 0, result.Output);
            Assert.Contains($"switchboard: using the SQLite file {database} (the default data folder; Storage:DataDirectory changes it)", result.StandardError, StringComparison.Ordinal);
        });
        Assert.Contains("\tanywhere\tagent\t", list.StandardOutput, StringComparison.Ordinal);
        Assert.All(folders, folder => Assert.Empty(Directory.EnumerateFileSystemEntries(folder)));
    }

    [Fact]
    public async Task AuditList_ToolNameWithNewlineAndTabs_IsStoredAsSent_ButListedOnOneLineWithEscapes()
    {
        await CreateDatabaseAsync();
        string key = ApiKeyFormat.Generate().Key;
        // What a caller would send to make 'audit list' show a revocation that never happened.
        string forged = "uuid_v4\n999\t2026-01-01T00:00:00.0000000+00:00\tadmin\tkeys.revoke\tsbk_AAAAAAAAAAAA\tok";
        string output;
        await using (var gateway = await GatewayProcess.StartAsync([$"--Identity:BootstrapAdminKey={key}", $"--Storage:DataDirectory={DataDirectory}"], _workingDirectory, Timeout))
        {
            var answer = await gateway.CallToolAsync(key, $"utilities__{forged}", Ct);
            Assert.True(answer.TryGetProperty("error", out _) || answer.GetProperty("result").GetProperty("isError").GetBoolean(), answer.ToString());
            output = gateway.Output;
        }

        var list = await RunAsync("audit", "list", "--action", "tools/call");
        string stored;
        await using (var database = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=false"))
        {
            await database.OpenAsync(Ct);
            await using var query = database.CreateCommand();
            query.CommandText = "SELECT target FROM audit_events WHERE action = 'tools/call'";
            stored = (string)(await query.ExecuteScalarAsync(Ct))!;
        }

        Assert.Contains($"Switchboard's state is in the SQLite file {DatabasePath}.", output, StringComparison.Ordinal);
        Assert.Equal($"utilities/{forged}", stored);
        Assert.True(list.ExitCode == 0, list.Output);
        string line = Assert.Single(list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(7, line.Split('\t').Length);
        // The target column holds the whole name, its newline and tabs written out; the real columns follow.
        Assert.Contains("\t" + @"utilities/uuid_v4\n999\t2026-01-01T00:00:00.0000000+00:00\tadmin\tkeys.revoke\tsbk_AAAAAAAAAAAA\tok" + "\t", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_RunsThePublishedExecutableAndItsAssemblies()
    {
        await CreateDatabaseAsync();
        await using var gateway = await GatewayProcess.StartAsync([$"--Storage:DataDirectory={DataDirectory}"], _workingDirectory, Timeout);

        // Linux: the process's image, and the managed assembly it mapped, are the publish folder's.
        string image = new FileInfo($"/proc/{gateway.ProcessId}/exe").LinkTarget!;
        string maps = await File.ReadAllTextAsync($"/proc/{gateway.ProcessId}/maps", Ct);

        Assert.Equal(PublishedSwitchboard.Path, image);
        Assert.Contains(Path.Combine(PublishedSwitchboard.Directory, "switchboard.dll"), maps, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.Combine(AppContext.BaseDirectory, "switchboard.dll"), maps, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolPackage_InstallsIntoAToolPath_AndRuns()
    {
        string packages = Path.Combine(Repository.Root, "artifacts", "packages");
        string package = Path.Combine(packages, $"Switchboard.{ProductInfo.Version}.nupkg");
        Assert.True(File.Exists(package), $"No tool package at {package}: make it with 'dotnet pack src/Switchboard -c Release' (scripts/test.sh and scripts/install-tool.sh do).");
        string toolPath = Path.Combine(_workingDirectory, "tools");
        // Only the repository's package: a package of the same name elsewhere must not be what gets installed.
        string config = Path.Combine(_workingDirectory, "nuget.config");
        await File.WriteAllTextAsync(config, $"""<configuration><packageSources><clear /><add key="switchboard" value="{packages}" /></packageSources></configuration>""", Ct);

        var install = await ProcessRunner.RunAsync("dotnet", ["tool", "install", "Switchboard", "--tool-path", toolPath, "--configfile", config, "--version", ProductInfo.Version], TimeSpan.FromMinutes(3), _workingDirectory, cancellationToken: Ct);
        var version = await ProcessRunner.RunAsync(Path.Combine(toolPath, "switchboard"), ["version"], Timeout, _workingDirectory, cancellationToken: Ct);

        Assert.True(install.ExitCode == 0, install.Output);
        Assert.True(version.ExitCode == 0, version.Output);
        Assert.StartsWith($"switchboard {ProductInfo.Version} ", version.StandardOutput, StringComparison.Ordinal);
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

    // Operator commands use an existing database only: made here as an operator would, with 'migrate'.
    private async Task CreateDatabaseAsync()
    {
        var migrate = await RunAsync("migrate");
        Assert.True(migrate.ExitCode == 0, migrate.Output);
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

    [Fact]
    public async Task Serve_UnreachableDatabase_ExitsOneWithAClearErrorNotACrash()
    {
        var result = await RunAsync("serve", "--urls", LoopbackPort.NextUrl(), "--Storage:Provider=PostgreSql", "--Storage:ConnectionString=Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2");

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains("switchboard: cannot start: Cannot reach the PostgreSQL database", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", result.Output, StringComparison.Ordinal);
    }

    private Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.RunAsync(Executable, arguments, Timeout, _workingDirectory, RunEnvironment, Ct);
}
