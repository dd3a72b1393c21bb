using System.Text.Json;
using Npgsql;
using Switchboard.Testing;

namespace Switchboard.Deploy.Tests;

/// <summary>
/// A production-shaped cluster on loopback: PostgreSQL, Redis, three <c>switchboard serve</c> replicas of a published
/// build, and HAProxy in front. The schema is migrated by <c>switchboard migrate</c> (the replicas run with
/// <c>Storage:MigrateOnStart=false</c>, as docs/deploy.md advises), and one agent key serves the load.
/// </summary>
internal sealed class Fleet : IAsyncDisposable
{
    /// <summary>How long a stopping replica keeps serving while HAProxy (checks every 500 ms, down after 2) notices.</summary>
    public static readonly TimeSpan NotReadyDelay = TimeSpan.FromSeconds(3);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private readonly PostgresProcess _postgres;
    private readonly RedisProcess _redis;
    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-fleet-").FullName;
    private readonly Replica?[] _replicas;
    private readonly int[] _ports;
    private Haproxy? _haproxy;

    private Fleet(PostgresProcess postgres, RedisProcess redis, int size)
    {
        (_postgres, _redis) = (postgres, redis);
        _replicas = new Replica?[size];
        _ports = [.. Enumerable.Range(0, size).Select(_ => LoopbackPort.Next())];
        ConnectionString = new NpgsqlConnectionStringBuilder(postgres.ConnectionString) { Database = "switchboard" }.ConnectionString;
    }

    /// <summary>The database, for reading the audit trail directly.</summary>
    public string ConnectionString { get; }

    /// <summary>The agent key the load uses.</summary>
    public string ApiKey { get; private set; } = "";

    public Haproxy LoadBalancer => _haproxy!;

    /// <summary>The replica at <paramref name="index"/> (0-based), as it runs now.</summary>
    public Replica this[int index] => _replicas[index]!;

    /// <summary>Configuration shared by every replica and operator command (flags, as an environment would give them).</summary>
    private string[] StorageFlags =>
    [
        "--Storage:Provider=PostgreSql",
        $"--Storage:ConnectionString={ConnectionString}",
        "--Storage:MigrateOnStart=false",
        "--Audit:CaptureArguments=true",
    ];

    private string[] ReplicaFlags =>
    [
        .. StorageFlags,
        $"--Redis:ConnectionString={_redis.ConnectionString}",
        "--Gateway:TrustedProxies:0=127.0.0.1",
        $"--Shutdown:NotReadyDelay={NotReadyDelay:c}",
        "--Shutdown:DrainTimeout=00:00:15",
        // The load is one caller at a few hundred calls a second: lift the per-caller limits out of the way.
        "--RateLimits:Default:PerPrincipal:Permits=1000000",
        "--RateLimits:Default:PerPrincipal:Burst=1000000",
        "--RateLimits:Default:PerPrincipalTool:Permits=1000000",
        "--RateLimits:Default:PerPrincipalTool:Burst=1000000",
        "--Logging:LogLevel:Default=Warning",
        "--Logging:LogLevel:Switchboard=Information",
    ];

    /// <summary>Starts the services, migrates with <paramref name="published"/>, starts the replicas and HAProxy, and waits until all are in rotation.</summary>
    public static async Task<Fleet> StartAsync(string published, CancellationToken cancellationToken, int size = 3)
    {
        var postgres = await PostgresProcess.StartAsync(cancellationToken);
        var redis = await RedisProcess.StartAsync();
        var fleet = new Fleet(postgres, redis, size);
        try
        {
            await using (var admin = new NpgsqlConnection(postgres.ConnectionString))
            {
                await admin.OpenAsync(cancellationToken);
                await using var create = new NpgsqlCommand("CREATE DATABASE switchboard", admin);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            await fleet.RunOperatorAsync(published, ["migrate"], cancellationToken);
            fleet.ApiKey = (await fleet.RunOperatorAsync(published, ["keys", "create", "--name", "load", "--role", "agent"], cancellationToken)).Trim();

            await Task.WhenAll(Enumerable.Range(0, size).Select(i => fleet.StartReplicaAsync(i, published)));
            fleet._haproxy = await Haproxy.StartAsync([.. Enumerable.Range(0, size).Select(i => (fleet.NameOf(i), fleet._ports[i]))], cancellationToken);
            foreach (var i in Enumerable.Range(0, size))
            {
                await fleet._haproxy.WaitForStateAsync(fleet.NameOf(i), "UP", Timeout, cancellationToken);
            }

            return fleet;
        }
        catch
        {
            await fleet.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs an operator command (<c>migrate</c>, <c>keys …</c>, <c>audit verify</c>) of <paramref name="published"/>; returns its output, failing the test on a non-zero exit.</summary>
    public async Task<string> RunOperatorAsync(string published, string[] command, CancellationToken cancellationToken)
    {
        var result = await ProcessRunner.RunAsync(DeployEnvironment.Executable(published), [.. command, .. StorageFlags], Timeout, _workingDirectory, cancellationToken: cancellationToken);
        Assert.True(result.ExitCode == 0, $"switchboard {string.Join(' ', command)} ({published}) exited with {result.ExitCode}:{Environment.NewLine}{result.Output}");
        return result.StandardOutput;
    }

    /// <summary>
    /// Restarts replica <paramref name="index"/> as a rolling restart does: SIGTERM, wait for it to exit, start
    /// <paramref name="published"/> in its place, wait until HAProxy has it in rotation again. Returns the old process's exit code.
    /// </summary>
    public async Task<int> RestartAsync(int index, string published, CancellationToken cancellationToken)
    {
        var old = _replicas[index]!;
        await old.SignalAsync("TERM");
        int exitCode = await old.WaitForExitAsync(Timeout);
        Assert.True(exitCode == 0, $"{old.Name} exited with {exitCode} after SIGTERM:{Environment.NewLine}{old.Output}");
        await old.DisposeAsync();
        _replicas[index] = null;

        await StartReplicaAsync(index, published);
        await LoadBalancer.WaitForStateAsync(NameOf(index), "UP", Timeout, cancellationToken);
        return exitCode;
    }

    /// <summary>Kills replica <paramref name="index"/> with SIGKILL, as a crash or the OOM killer would.</summary>
    public async Task KillAsync(int index)
    {
        var replica = _replicas[index]!;
        await replica.SignalAsync("KILL");
        await replica.WaitForExitAsync(Timeout);
    }

    /// <summary>The text of every <c>tools/call</c> the audit trail recorded (arguments are captured).</summary>
    public async Task<HashSet<string>> AuditedCallTextsAsync(CancellationToken cancellationToken)
    {
        var texts = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var query = new NpgsqlCommand("SELECT details FROM audit_events WHERE action = 'tools/call' AND details IS NOT NULL", connection);
        await using var reader = await query.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            using var details = JsonDocument.Parse(reader.GetString(0));
            if (details.RootElement.TryGetProperty("arguments", out var arguments) && arguments.TryGetProperty("text", out var text))
            {
                texts.Add(text.GetString()!);
            }
        }

        return texts;
    }

    /// <summary>Every replica's output, for failure messages.</summary>
    public string Output => string.Join(Environment.NewLine, _replicas.Where(r => r is not null).Select(r => $"--- {r!.Name} ({r.Published}) ---{Environment.NewLine}{r.Output}"))
        + $"{Environment.NewLine}--- haproxy ---{Environment.NewLine}{_haproxy?.Output}";

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in _replicas)
        {
            if (replica is not null)
            {
                await replica.DisposeAsync();
            }
        }

        if (_haproxy is not null)
        {
            await _haproxy.DisposeAsync();
        }

        await _redis.DisposeAsync();
        await _postgres.DisposeAsync();
        Directory.Delete(_workingDirectory, recursive: true);
    }

    private string NameOf(int index) => $"r{index + 1}";

    private async Task StartReplicaAsync(int index, string published) =>
        _replicas[index] = await Replica.StartAsync(NameOf(index), published, _ports[index], ReplicaFlags, _workingDirectory, Timeout);
}
