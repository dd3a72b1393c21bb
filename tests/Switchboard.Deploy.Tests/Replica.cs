using System.Diagnostics;
using System.Net;
using System.Text;
using Switchboard.Testing;

namespace Switchboard.Deploy.Tests;

/// <summary>
/// One <c>switchboard serve</c> process of a published build, on a fixed loopback port so that the load balancer finds
/// it again after a restart. Stopped as an orchestrator stops it (SIGTERM, or SIGKILL for a crash); whatever is still
/// running at dispose is killed by PID. Output is kept for failure messages.
/// </summary>
internal sealed class Replica : IAsyncDisposable
{
    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(5) };

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private Replica(string name, string published, int port, IEnumerable<string> flags, string workingDirectory)
    {
        (Name, Published, Port) = (name, published, port);
        _process = ProcessRunner.Start(
            DeployEnvironment.Executable(published),
            ["serve", "--urls", $"http://127.0.0.1:{port}", .. flags],
            workingDirectory);
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Its name in the load balancer, e.g. <c>r1</c>.</summary>
    public string Name { get; }

    /// <summary>The published build it runs.</summary>
    public string Published { get; }

    public int Port { get; }

    public bool HasExited => _process.HasExited;

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

    /// <summary>Starts a replica and waits until its <c>/healthz/ready</c> answers 200.</summary>
    public static async Task<Replica> StartAsync(string name, string published, int port, IEnumerable<string> flags, string workingDirectory, TimeSpan timeout)
    {
        var replica = new Replica(name, published, port, flags, workingDirectory);
        try
        {
            await Poll.UntilAsync(
                async () => replica.HasExited
                    ? throw new InvalidOperationException($"{name} ({published}) exited with {replica._process.ExitCode}:{Environment.NewLine}{replica.Output}")
                    : await replica.IsReadyAsync(),
                timeout,
                $"{name} was not ready");
            return replica;
        }
        catch
        {
            await replica.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends <paramref name="signal"/> (<c>TERM</c>, <c>KILL</c>) to the process.</summary>
    public Task SignalAsync(string signal) => ProcessRunner.SignalAsync(_process, signal);

    /// <summary>Waits for the process to exit; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"{Name} did not exit within {timeout.TotalSeconds:0} s.{Environment.NewLine}{Output}");
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await Probe.GetAsync(new Uri($"http://127.0.0.1:{Port}/healthz/ready"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
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
