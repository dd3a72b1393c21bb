using System.Diagnostics;
using System.Text.Json;
using ModelContextProtocol.Client;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Protocol;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// One upstream name with several addresses, as a Kubernetes headless Service has: three published
/// <c>switchboard mcp everything</c> processes on 127.0.0.2, .3 and .4, one port, registered as
/// <c>http://localhost:PORT/mcp</c> with <c>Discovery:Addresses</c> standing in for the DNS answer. Each upstream logs
/// its requests, and those logs say which replica served what.
/// </summary>
public sealed class UpstreamDiscoveryTests : IAsyncDisposable
{
    private const string Tool = "pool__test_simple_text";
    private static readonly string[] Addresses = ["127.0.0.2", "127.0.0.3", "127.0.0.4"];
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-discovery-").FullName;
    private readonly string _gatewayKey = ApiKeyFormat.Generate().Key;
    private readonly string _upstreamKey = ApiKeyFormat.Generate().Key;
    private readonly int _port = LoopbackPort.Next();
    private readonly List<Replica> _replicas = [];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task NameWithThreeAddresses_SpreadsCalls_KeepsASessionOnItsReplica_AndSurvivesAKilledReplica()
    {
        foreach (string address in Addresses)
        {
            _replicas.Add(await Replica.StartAsync(address, _port, _upstreamKey, Directory.CreateDirectory(Path.Combine(_directory, address)).FullName));
        }

        string gatewayDirectory = Directory.CreateDirectory(Path.Combine(_directory, "gateway")).FullName;
        await using var gateway = await GatewayProcess.StartCommandAsync(
            url =>
            [
                "serve",
                "--urls",
                url,
                $"--Identity:BootstrapAdminKey={_gatewayKey}",
                $"--Storage:DataDirectory={gatewayDirectory}",
                $"--Servers:pool:Url=http://localhost:{_port}/mcp",
                $"--Servers:pool:Headers:Authorization=Bearer {_upstreamKey}",
                "--RateLimits:Default:PerPrincipal:Permits=1000000",
                "--RateLimits:Default:PerPrincipal:Burst=1000000",
                "--RateLimits:Default:PerPrincipalTool:Permits=1000000",
                "--RateLimits:Default:PerPrincipalTool:Burst=1000000",
                // Quiet between the calls measured: no probes that would land on some replica.
                "--Servers:pool:HealthCheck:Interval=00:00:00",
                .. Addresses.Select((a, i) => $"--Servers:pool:Discovery:Addresses:{i}={a}"),
            ],
            gatewayDirectory,
            Patience);
        await Poll.UntilAsync(async () => IsSuccess(await CallAsync(gateway)), Patience, $"{Tool} was not served");

        // Outside a session (the gateway speaks 2026-07-28 to the upstream, sessionless): every replica takes a share.
        int[] before = Counts();
        for (int i = 0; i < 30; i++)
        {
            Assert.True(IsSuccess(await CallAsync(gateway)));
        }

        int[] spread = await SettledDeltaAsync(before, 30);
        Assert.All(spread, served => Assert.InRange(served, 5, 30));
        Assert.Equal(30, spread.Sum());

        // A 2025-11-25 session gets an upstream session of its own, which exists on one replica only: all its
        // requests go there (a request reaching another replica would be answered 404).
        before = Counts();
        await using (var session = await ConnectAsync(gateway))
        {
            for (int i = 0; i < 10; i++)
            {
                var result = await session.CallToolAsync(Tool, cancellationToken: Ct);
                Assert.NotEqual(true, result.IsError);
            }
        }

        int[] inSession = await SettledDeltaAsync(before, 11);
        Assert.Single(inSession, served => served >= 10);
        Assert.Equal(2, inSession.Count(served => served == 0));
        Assert.All(_replicas, r => Assert.Equal(0, r.NotFoundAnswers));

        // One replica dies: it is skipped at the connection failure, and no call fails.
        await _replicas[0].KillAsync();
        before = Counts();
        var failures = new List<string>();
        for (int i = 0; i < 30; i++)
        {
            var answer = await CallAsync(gateway);
            if (!IsSuccess(answer))
            {
                failures.Add(answer.GetRawText());
            }
        }

        int[] afterKill = await SettledDeltaAsync(before, 30);
        Assert.Empty(failures);
        Assert.All(afterKill[1..], served => Assert.InRange(served, 5, 30));
        Assert.Contains("could not be connected; it is skipped", gateway.Output, StringComparison.Ordinal);
        await using (var session = await ConnectAsync(gateway))
        {
            Assert.NotEqual(true, (await session.CallToolAsync(Tool, cancellationToken: Ct)).IsError);
        }

        using var report = JsonDocument.Parse((await gateway.TryGetReadinessAsync(Ct)).Report!.Value.GetRawText());
        Assert.DoesNotContain("\"open\"", report.RootElement.GetRawText(), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            await replica.KillAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    private int[] Counts() => [.. _replicas.Select(r => r.PostRequests)];

    private int[] Delta(int[] before) => [.. _replicas.Select((r, i) => r.PostRequests - before[i])];

    // The replicas log asynchronously: wait until at least the requests sent have been logged.
    private async Task<int[]> SettledDeltaAsync(int[] before, int sent)
    {
        await Poll.UntilAsync(() => Delta(before).Sum() >= sent, Patience, $"the replicas did not log {sent} requests");
        return Delta(before);
    }

    private async Task<JsonElement> CallAsync(GatewayProcess gateway)
    {
        using var http = new HttpClient();
        return (await StatelessRequest.CallToolAsync(http, new Uri($"{gateway.Url}/mcp"), _gatewayKey, Tool)).Message;
    }

    /// <remarks>
    /// The DNS path, through the system resolver: <c>localhost</c> is the one name that resolves on every machine without
    /// editing system files (here to 127.0.0.1 alone; several addresses for one name would need /etc/hosts or a DNS
    /// server the resolver asks, so balancing is tested above with <c>Discovery:Addresses</c>, which feed the same
    /// balancer). A <c>.invalid</c> name never resolves (RFC 6761): its server is unreachable, the gateway unharmed.
    /// </remarks>
    [Fact]
    public async Task DnsName_ResolvedByTheSystemResolver_Served_ANameThatNeverResolves_Unreachable()
    {
        _replicas.Add(await Replica.StartAsync("127.0.0.1", _port, _upstreamKey, Directory.CreateDirectory(Path.Combine(_directory, "127.0.0.1")).FullName));
        string gatewayDirectory = Directory.CreateDirectory(Path.Combine(_directory, "gateway")).FullName;
        await using var gateway = await GatewayProcess.StartAsync(
            [
                $"--Identity:BootstrapAdminKey={_gatewayKey}",
                $"--Storage:DataDirectory={gatewayDirectory}",
                $"--Servers:pool:Url=http://localhost:{_port}/mcp",
                $"--Servers:pool:Headers:Authorization=Bearer {_upstreamKey}",
                "--Servers:pool:Discovery:Enabled=true",
                "--Servers:pool:Discovery:RefreshInterval=00:00:01",
                $"--Servers:nowhere:Url=http://nowhere.invalid:{_port}/mcp",
                "--Servers:nowhere:Discovery:Enabled=true",
                "--Servers:nowhere:Timeout=00:00:03",
            ],
            gatewayDirectory,
            Patience);

        await Poll.UntilAsync(async () => IsSuccess(await CallAsync(gateway)), Patience, $"{Tool} was not served{Environment.NewLine}{gateway.Output}");
        // Calls across several refresh intervals (a few, spaced, so as not to meet the caller's rate limit): each
        // resolution again keeps the address and its state.
        for (int call = 0; call < 5; call++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(600), Ct);
            var result = await CallAsync(gateway);
            Assert.True(IsSuccess(result), result.ToString());
        }

        string? nowhere = null;
        await Poll.UntilAsync(async () => (nowhere = await ReasonAsync(gateway, "nowhere")) is not (null or "connecting"), Patience, $"'nowhere' was not reported{Environment.NewLine}{gateway.Output}");

        // The log lines come through the gateway's logger and a pipe: they can trail the state the API reports.
        await gateway.WaitForOutputAsync("Remote MCP server 'pool': host localhost resolves to", Patience);
        await gateway.WaitForOutputAsync("Remote MCP server 'nowhere': host nowhere.invalid could not be resolved", Patience);
        Assert.Contains("127.0.0.1", gateway.Output, StringComparison.Ordinal);
        Assert.Equal("unreachable", nowhere);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await gateway.TryGetReadinessAsync(Ct)).Status);
    }

    private async Task<string?> ReasonAsync(GatewayProcess gateway, string server)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", _gatewayKey);
        using var body = JsonDocument.Parse(await http.GetStringAsync(new Uri($"{gateway.Url}/api/v1/servers/{server}"), Ct));
        return body.RootElement.TryGetProperty("reason", out var reason) && reason.ValueKind == JsonValueKind.String ? reason.GetString() : null;
    }

    private static bool IsSuccess(JsonElement response) =>
        response.TryGetProperty("result", out var result) && !(result.TryGetProperty("isError", out var isError) && isError.GetBoolean());

    private Task<McpClient> ConnectAsync(GatewayProcess gateway) =>
        McpClient.CreateAsync(
            new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri($"{gateway.Url}/mcp"),
                AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {_gatewayKey}" },
            }),
            new McpClientOptions { ProtocolVersion = "2025-11-25" },
            cancellationToken: Ct);

    /// <summary>One <c>switchboard mcp everything</c> on one loopback address, counting the requests it logs.</summary>
    private sealed class Replica
    {
        private readonly Process _process;
        private int _posts;
        private int _notFound;

        private Replica(Process process) => _process = process;

        public int PostRequests => Volatile.Read(ref _posts);

        public int NotFoundAnswers => Volatile.Read(ref _notFound);

        public static async Task<Replica> StartAsync(string address, int port, string key, string directory)
        {
            var process = ProcessRunner.Start(
                GatewayProcess.Executable,
                [
                    "mcp", "everything", "--urls", $"http://{address}:{port}", $"--Identity:BootstrapAdminKey={key}", $"--Storage:DataDirectory={directory}",
                    "--Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics=Information",
                    // The gateway is the one caller of this replica: lift its rate limits.
                    "--RateLimits:Default:PerPrincipal:Permits=1000000",
                    "--RateLimits:Default:PerPrincipal:Burst=1000000",
                    "--RateLimits:Default:PerPrincipalTool:Permits=1000000",
                    "--RateLimits:Default:PerPrincipalTool:Burst=1000000",
                ],
                directory);
            var replica = new Replica(process);
            process.OutputDataReceived += (_, e) => replica.Observe(e.Data);
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var http = new HttpClient();
            await Poll.UntilAsync(
                async () =>
                {
                    try
                    {
                        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"http://{address}:{port}/healthz/ready"));
                        request.Headers.Host = $"localhost:{port}";
                        using var response = await http.SendAsync(request, Ct);
                        return response.IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return !process.HasExited ? false : throw new InvalidOperationException($"the replica on {address} exited with {process.ExitCode}");
                    }
                },
                Patience,
                $"the replica on {address} was not ready");
            return replica;
        }

        public async Task KillAsync()
        {
            await ProcessRunner.KillAsync(_process); // SIGKILL, as a node failure
        }

        // "Request starting HTTP/1.1 POST http://localhost:PORT/mcp ..." and "Request finished ... - 404 - ...".
        private void Observe(string? line)
        {
            if (line is null)
            {
                return;
            }

            if (line.Contains("Request starting HTTP/1.1 POST", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _posts);
            }
            else if (line.Contains("Request finished", StringComparison.Ordinal) && line.Contains(" - 404 ", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _notFound);
            }
        }
    }
}

/// <summary><c>Servers:{name}:Discovery</c> is checked at start, with messages that name the key.</summary>
public sealed class DiscoverySettingsTests
{
    [Theory]
    [InlineData("wiki.internal", "Servers:wiki:Discovery:Addresses has 'wiki.internal', which is not an IP address")]
    [InlineData("10.0.0.1:8080", "Servers:wiki:Discovery:Addresses has '10.0.0.1:8080', which is not an IP address")]
    public void AddressThatIsNotAnIp_NamesTheKey(string address, string expected)
    {
        var options = new Switchboard.Upstreams.UpstreamOptions { Url = new Uri("http://wiki:8080/mcp") };
        options.Discovery.Addresses.Add(address);

        Assert.Contains(Switchboard.Upstreams.UpstreamsOptionsValidator.Problems("Servers:wiki", options), p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void OnAStdioUpstream_IsRefused()
    {
        var options = new Switchboard.Upstreams.UpstreamOptions { Command = "npx" };
        options.Discovery.Enabled = true;

        Assert.Contains("Servers:files:Discovery applies to an HTTP upstream (Url) only.", Switchboard.Upstreams.UpstreamsOptionsValidator.Problems("Servers:files", options));
    }
}
