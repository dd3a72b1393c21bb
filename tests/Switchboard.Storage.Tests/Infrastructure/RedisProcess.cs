using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Storage.Tests.Infrastructure;

/// <summary>
/// A redis-server owned by one test, on its own loopback port below 32768, so the test can stop and restart it
/// (by PID) without disturbing anyone else.
/// </summary>
public sealed class RedisProcess : IAsyncDisposable
{
    private Process? _process;

    private RedisProcess(int port) => Port = port;

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public static async Task<RedisProcess> StartAsync()
    {
        var redis = new RedisProcess(FreePort());
        await redis.StartAgainAsync();
        return redis;
    }

    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(TestServices.RedisServerPath) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no", "--protected-mode", "yes" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start redis-server.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        await Poll.UntilAsync(CanConnect, TimeSpan.FromSeconds(15), $"redis-server did not listen on {ConnectionString}");
    }

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

    private static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return port;
            }
            catch (SocketException)
            {
                // In use: try another.
            }
        }

        throw new InvalidOperationException("No free loopback port between 20000 and 32000.");
    }
}
