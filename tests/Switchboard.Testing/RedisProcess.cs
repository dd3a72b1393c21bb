using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Testing;

/// <summary>
/// A redis-server owned by one test, on its own loopback port below 32768, so the test can stop and restart it
/// (by PID) without disturbing anyone else.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private Process? _process;

    private RedisProcess(int port) => Port = port;

    /// <summary>The port it listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for it.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    /// <summary>Starts a redis-server without persistence and waits until it accepts connections.</summary>
    public static async Task<RedisProcess> StartAsync()
    {
        var redis = new RedisProcess(LoopbackPort.Next());
        await redis.StartAgainAsync();
        return redis;
    }

    /// <summary>Starts it again, empty, on the same port after <see cref="StopAsync"/>.</summary>
    public async Task StartAgainAsync()
    {
        // Its streams are redirected (ProcessRunner.Start): one it shared with the test host would keep `dotnet test`
        // waiting for that host's output to end as long as this process lived.
        _process = ProcessRunner.Start(
            TestServices.RedisServerPath,
            ["--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no", "--protected-mode", "yes"]);
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        try
        {
            await Poll.UntilAsync(CanConnect, TimeSpan.FromSeconds(15), $"redis-server did not listen on {ConnectionString}");
        }
        catch
        {
            await StopAsync();
            throw;
        }
    }

    /// <summary>Kills it (by PID) and waits for it to exit: to clients, Redis is gone at once.</summary>
    public async Task StopAsync()
    {
        if (_process is { } process)
        {
            await ProcessRunner.KillAsync(process);
        }

        _process?.Dispose();
        _process = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();

    private bool CanConnect()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
