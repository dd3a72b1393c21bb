using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using Switchboard.Testing;

namespace Switchboard.Monitoring.Tests;

/// <summary>
/// A published <c>switchboard serve</c> as production runs it, with everything its metrics describe: its own
/// PostgreSQL (private cluster on a private port, so that stopping it disturbs nobody) and Redis, and one federated
/// upstream (<c>switchboard mcp utilities</c> with a SQLite state of its own, mounted as <c>remote</c> with a key of
/// the upstream's); the built-in <c>everything</c> server, whose tasks fill the queue; an HTTPS URL with a self-signed certificate. <c>/metrics</c> is served on the management port. Three keys: an agent (unlimited), an operator held to a tight default rate limit, and a viewer (no tool calls).
/// </summary>
internal sealed class MonitoredGateway : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-monitored-").FullName;
    private readonly string _connectionString;
    private BackgroundProcess? _upstream;
    private BackgroundProcess? _gateway;

    private MonitoredGateway(PostgresProcess postgres, RedisProcess redis)
    {
        (Postgres, Redis) = (postgres, redis);
        _connectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = "switchboard" }.ConnectionString;
    }

    public PostgresProcess Postgres { get; }

    public RedisProcess Redis { get; }

    public int Port { get; } = LoopbackPort.Next();

    /// <summary>Where <c>/metrics</c> is served (<c>Management:Urls</c>).</summary>
    public int ManagementPort { get; } = LoopbackPort.Next();

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/mcp");

    public string AgentKey { get; private set; } = "";

    public string OperatorKey { get; private set; } = "";

    public string ViewerKey { get; private set; } = "";

    /// <summary>The gateway's standard output: its console log lines.</summary>
    public IReadOnlyList<string> LogLines => _gateway?.StandardOutputLines ?? [];

    public string Output => $"--- gateway ---{Environment.NewLine}{_gateway?.Output}{Environment.NewLine}--- upstream ---{Environment.NewLine}{_upstream?.Output}";

    private string[] StorageFlags =>
    [
        "--Storage:Provider=PostgreSql",
        $"--Storage:ConnectionString={_connectionString}",
        $"--Storage:DataDirectory={Path.Combine(_directory, "data")}",
    ];

    public static async Task<MonitoredGateway> StartAsync(CancellationToken cancellationToken)
    {
        var postgres = await PostgresProcess.StartAsync(cancellationToken);
        var gateway = new MonitoredGateway(postgres, await RedisProcess.StartAsync());
        try
        {
            await using (var admin = new NpgsqlConnection(postgres.ConnectionString))
            {
                await admin.OpenAsync(cancellationToken);
                await using var create = new NpgsqlCommand("CREATE DATABASE switchboard", admin);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await gateway.RunAsync(["migrate"], cancellationToken);
            gateway.AgentKey = await gateway.CreateKeyAsync("load", "agent", cancellationToken);
            gateway.OperatorKey = await gateway.CreateKeyAsync("limited", "operator", cancellationToken);
            gateway.ViewerKey = await gateway.CreateKeyAsync("viewer", "viewer", cancellationToken);
            await gateway.StartProcessesAsync(cancellationToken);
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
        }

        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task StartProcessesAsync(CancellationToken cancellationToken)
    {
        // The upstream authenticates its callers as any Switchboard does: the gateway reaches it with a key of its own.
        string upstreamState = $"--Storage:DataDirectory={Path.Combine(_directory, "upstream")}";
        await RunAsync(["migrate", upstreamState], cancellationToken, storage: false);
        string upstreamKey = (await RunAsync(["keys", "create", "--name", "gateway", "--role", "agent", upstreamState], cancellationToken, storage: false)).Trim();
        int upstreamPort = LoopbackPort.Next();
        _upstream = new BackgroundProcess("upstream", PublishedSwitchboard.Path,
            ["mcp", "utilities", "--urls", $"http://127.0.0.1:{upstreamPort}", upstreamState, "--Management:Urls="],
            _directory);
        _gateway = new BackgroundProcess("switchboard serve", PublishedSwitchboard.Path,
        [
            "serve",
            // HTTPS beside HTTP, with a self-signed certificate, so that the certificate-expiry series has data.
            "--urls", $"http://127.0.0.1:{Port};https://127.0.0.1:{LoopbackPort.Next()}",
            .. WriteCertificate(),
            $"--Management:Urls=http://127.0.0.1:{ManagementPort}",
            .. StorageFlags,
            "--Storage:MigrateOnStart=false",
            $"--Redis:ConnectionString={Redis.ConnectionString}",
            $"--Servers:remote:Url=http://127.0.0.1:{upstreamPort}/mcp",
            $"--Servers:remote:Headers:Authorization=Bearer {upstreamKey}",
            // Its slow_compute runs as a queued task, so the queue's gauges and dashboard have jobs to show.
            "--Servers:everything:Enabled=true",
            // The agent key carries the load unhindered; the operator key meets the default limits, kept tight, so
            // that refusals show on the dashboards.
            "--RateLimits:Roles:agent:PerPrincipal:Permits=1000000",
            "--RateLimits:Roles:agent:PerPrincipal:Burst=1000000",
            "--RateLimits:Roles:agent:PerPrincipalTool:Permits=1000000",
            "--RateLimits:Roles:agent:PerPrincipalTool:Burst=1000000",
            "--RateLimits:Default:PerPrincipal:Permits=60",
            "--RateLimits:Default:PerPrincipal:Burst=5",
            "--RateLimits:Default:PerPrincipalTool:Permits=60",
            "--RateLimits:Default:PerPrincipalTool:Burst=5",
            // Failed authentications are part of the load: let them through to be counted rather than throttled.
            "--Identity:FailedAuthenticationLimit:Permits=1000000",
            "--Identity:FailedAuthenticationLimit:Burst=1000000",
            // JSON lines, as in a container: what the log shipper (deploy/monitoring/logging) parses.
            "--Logging:Console:FormatterName=json",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:LogLevel:Switchboard=Information",
        ],
            _directory);
        await _gateway.WaitUntilAsync(() => IsOkAsync($"http://127.0.0.1:{Port}/healthz/ready"), Timeout);
        await _gateway.WaitUntilAsync(() => IsOkAsync($"http://127.0.0.1:{ManagementPort}/metrics"), Timeout);
    }

    /// <summary>A self-signed certificate valid for 30 more days, as PEM files Kestrel serves by default on HTTPS URLs.</summary>
    private string[] WriteCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=switchboard-monitoring.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        string certificatePath = Path.Combine(_directory, "tls.crt"), keyPath = Path.Combine(_directory, "tls.key");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return [$"--Kestrel:Certificates:Default:Path={certificatePath}", $"--Kestrel:Certificates:Default:KeyPath={keyPath}"];
    }

    private async Task<string> CreateKeyAsync(string name, string role, CancellationToken cancellationToken) =>
        (await RunAsync(["keys", "create", "--name", name, "--role", role], cancellationToken)).Trim();

    /// <summary>Runs an operator command against the gateway's database (<paramref name="storage"/>) or with the flags given.</summary>
    private async Task<string> RunAsync(string[] command, CancellationToken cancellationToken, bool storage = true)
    {
        var result = await ProcessRunner.RunAsync(PublishedSwitchboard.Path, storage ? [.. command, .. StorageFlags] : command, Timeout, _directory, cancellationToken: cancellationToken);
        Assert.True(result.ExitCode == 0, $"switchboard {string.Join(' ', command)} exited with {result.ExitCode}:{Environment.NewLine}{result.Output}");
        return result.StandardOutput;
    }

    private static async Task<bool> IsOkAsync(string url)
    {
        try
        {
            using var response = await Probe.GetAsync(new Uri(url));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
