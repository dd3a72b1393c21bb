using System.Diagnostics;
using System.Text;

namespace Switchboard.Testing;

/// <summary>The outcome of a finished process.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public string Output => $"--- stdout ---{Environment.NewLine}{StandardOutput}{Environment.NewLine}--- stderr ---{Environment.NewLine}{StandardError}";
}

/// <summary>Starts, signals and kills the processes tests use, and runs commands to completion with a deadline.</summary>
public static class ProcessRunner
{
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(30);

    public static async Task<ProcessResult> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan timeout,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default,
        string? standardInput = null)
    {
        using var process = Start(fileName, arguments, workingDirectory, environment);
        if (standardInput is not null)
        {
            // All of it, then the end of input, as a shell pipe gives it.
            await process.StandardInput.WriteAsync(standardInput);
            process.StandardInput.Close();
        }

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{fileName} {string.Join(' ', arguments)}' ran past {timeout}.{Environment.NewLine}{stdout}{stderr}");
        }

        process.WaitForExit(); // flushes the asynchronous readers
        return new ProcessResult(process.ExitCode, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// Kills <paramref name="process"/> (SIGKILL) and everything it started, and waits until it has exited and its
    /// output has ended; a process still there after 30 s fails the test rather than waiting for ever (something it
    /// started may hold its output open).
    /// </summary>
    public static async Task KillAsync(Process process)
    {
        ArgumentNullException.ThrowIfNull(process);
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().WithinAsync(KillWait, $"Process {process.Id} had not ended, or its output had not closed, {KillWait.TotalSeconds:0} s after it was killed.");
    }

    /// <summary>Sends <paramref name="signal"/> (<c>TERM</c>, <c>KILL</c>, <c>STOP</c>, <c>CONT</c>) to <paramref name="process"/>, as an orchestrator or an operator does.</summary>
    public static async Task SignalAsync(Process process, string signal, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(process);
        var result = await RunAsync("kill", ["-s", signal, process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10), cancellationToken: cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -s {signal} {process.Id} failed: {result.Output}");
        }
    }

    /// <summary>The variable that sets a <c>switchboard</c> process's <c>Management:Urls</c>.</summary>
    public const string ManagementUrlsVariable = "SWITCHBOARD__Management__Urls";

    /// <summary>Starts a process with redirected streams; the caller owns and must stop it.</summary>
    public static Process Start(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Processes under test share this machine: none takes the management port (9464) unless its test asks for one
        // (with --Management:Urls, or this variable in environment).
        info.Environment[ManagementUrlsVariable] = string.Empty;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        return Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{fileName}'.");
    }
}
