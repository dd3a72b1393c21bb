using System.Diagnostics;
using System.Text;
using Switchboard.Testing;

namespace Switchboard.Monitoring.Tests;

/// <summary>
/// A long-running process owned by one test (a server: Prometheus, Alertmanager, switchboard): its output is kept
/// for failure messages, and whatever still runs at dispose is killed by PID.
/// </summary>
internal sealed class BackgroundProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly List<string> _standardOutput = [];

    public BackgroundProcess(string name, string fileName, IEnumerable<string> arguments, string workingDirectory)
    {
        Name = name;
        _process = ProcessRunner.Start(fileName, arguments, workingDirectory);
        _process.OutputDataReceived += (_, e) =>
        {
            Append(e.Data);
            if (e.Data is not null)
            {
                lock (_standardOutput)
                {
                    _standardOutput.Add(e.Data);
                }
            }
        };
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

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

    /// <summary>The lines written to standard output so far (the console logs).</summary>
    public IReadOnlyList<string> StandardOutputLines
    {
        get
        {
            lock (_standardOutput)
            {
                return [.. _standardOutput];
            }
        }
    }

    /// <summary>Polls <paramref name="isReady"/> until it holds, failing with the output if the process exits first.</summary>
    public Task WaitUntilAsync(Func<Task<bool>> isReady, TimeSpan timeout) =>
        Poll.UntilAsync(
            async () => HasExited
                ? throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:{Environment.NewLine}{Output}")
                : await isReady(),
            timeout,
            $"{Name} was not ready");

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
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
