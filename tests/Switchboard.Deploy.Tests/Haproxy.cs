using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Switchboard.Testing;

namespace Switchboard.Deploy.Tests;

/// <summary>
/// Debian's HAProxy in the foreground in front of the replicas, configured as docs/deploy.md advises: it health-checks
/// <c>/healthz/ready</c> every 500 ms (down after 2 failures, up after 2 successes), and re-sends a request whose
/// connection to a replica could not be made to another replica (<c>retries</c>, <c>option redispatch</c>). Requests
/// a replica has accepted are never re-sent: a tool call is not idempotent. Server states are read through its
/// admin socket. Stopped by PID.
/// </summary>
internal sealed class Haproxy : IAsyncDisposable
{
    private const string Backend = "switchboard";

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private Haproxy(Process process, string directory, int port) => (_process, _directory, Port) = (process, directory, port);

    public int Port { get; }

    /// <summary>The MCP endpoint through the load balancer.</summary>
    public Uri Endpoint => new($"http://127.0.0.1:{Port}/mcp");

    private string Socket => Path.Combine(_directory, "admin.sock");

    /// <summary>Starts HAProxy for <paramref name="servers"/> (name, port) and waits until it listens.</summary>
    public static async Task<Haproxy> StartAsync(IReadOnlyList<(string Name, int Port)> servers, CancellationToken cancellationToken)
    {
        string directory = Directory.CreateTempSubdirectory("switchboard-haproxy-").FullName;
        int port = LoopbackPort.Next();
        string config = Path.Combine(directory, "haproxy.cfg");
        await File.WriteAllTextAsync(config, Config(port, Path.Combine(directory, "admin.sock"), servers), cancellationToken);

        var check = await ProcessRunner.RunAsync(DeployEnvironment.Haproxy, ["-c", "-f", config], TimeSpan.FromSeconds(30), directory, cancellationToken: cancellationToken);
        Assert.True(check.ExitCode == 0, $"haproxy -c rejected the configuration:{Environment.NewLine}{check.Output}");

        var process = ProcessRunner.Start(DeployEnvironment.Haproxy, ["-f", config, "-db"], directory);
        var haproxy = new Haproxy(process, directory, port);
        process.OutputDataReceived += (_, e) => haproxy.Append(e.Data);
        process.ErrorDataReceived += (_, e) => haproxy.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Poll.UntilAsync(
                () => process.HasExited ? throw new InvalidOperationException($"haproxy exited:{Environment.NewLine}{haproxy.Output}") : File.Exists(haproxy.Socket),
                TimeSpan.FromSeconds(30),
                "HAProxy did not start");
            return haproxy;
        }
        catch
        {
            await haproxy.DisposeAsync();
            throw;
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Each server's state as HAProxy sees it: <c>UP</c>, <c>DOWN</c>, <c>UP 1/2</c> (going up) …</summary>
    public async Task<IReadOnlyDictionary<string, string>> ServerStatesAsync(CancellationToken cancellationToken)
    {
        string csv = await CommandAsync("show stat", cancellationToken);
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        int proxy = Array.IndexOf(header, "pxname"), server = Array.IndexOf(header, "svname"), status = Array.IndexOf(header, "status");
        return lines.Skip(1).Select(l => l.Split(','))
            .Where(f => f[proxy] == Backend && f[server] is not ("BACKEND" or "FRONTEND"))
            .ToDictionary(f => f[server], f => f[status]);
    }

    /// <summary>Waits until HAProxy reports <paramref name="server"/> in <paramref name="state"/> (<c>UP</c>, <c>DOWN</c>).</summary>
    public Task WaitForStateAsync(string server, string state, TimeSpan timeout, CancellationToken cancellationToken) =>
        Poll.UntilAsync(
            async () => (await ServerStatesAsync(cancellationToken)).GetValueOrDefault(server) == state,
            timeout,
            $"HAProxy did not see {server} {state}");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private static string Config(int port, string socket, IReadOnlyList<(string Name, int Port)> servers)
    {
        var lines = new StringBuilder($$"""
            global
                stats socket {{socket}} mode 600 level admin
                maxconn 1000

            defaults
                mode http
                timeout connect 2s
                timeout client 60s
                timeout server 60s
                timeout check 2s
                # A connection a replica refused (it stopped, or was killed) is retried on another one.
                retries 2
                option redispatch 1
                option forwardfor

            frontend mcp
                bind 127.0.0.1:{{port}}
                default_backend {{Backend}}

            backend {{Backend}}
                balance roundrobin
                option httpchk GET /healthz/ready
                http-check expect status 200
                default-server check inter 500 fall 2 rise 2

            """);
        foreach (var (name, serverPort) in servers)
        {
            lines.Append(CultureInfo.InvariantCulture, $"    server {name} 127.0.0.1:{serverPort}\n");
        }

        return lines.ToString();
    }

    private async Task<string> CommandAsync(string command, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(Socket), cancellationToken);
        await socket.SendAsync(Encoding.ASCII.GetBytes(command + "\n"), cancellationToken);
        var answer = new StringBuilder();
        var buffer = new byte[8192];
        int read;
        while ((read = await socket.ReceiveAsync(buffer, cancellationToken)) > 0)
        {
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return answer.ToString();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
