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
        var start = new ProcessStartInfo(TestServices.RedisServerPath) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        await Poll.UntilAsync(CanConnect, TimeSpan.FromSeconds(15), $"redis-server did not listen on {ConnectionString}");
    }

    /// <summary>Kills it (by PID) and waits for it to exit: to clients, Redis is gone at once.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
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
