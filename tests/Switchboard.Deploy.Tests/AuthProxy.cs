using System.Diagnostics;
using Switchboard.Testing;

namespace Switchboard.Deploy.Tests;

/// <summary>
/// <c>tests/interop/auth-proxy.mjs</c> in front of a gateway, adding its administrator key to every request, for
/// Node clients that cannot send headers (the conformance suite's CLI). Disposing stops it (by PID).
/// </summary>
internal sealed class AuthProxy : IDisposable
{
    private readonly Process _process;

    private AuthProxy(Process process, Uri baseAddress) => (_process, BaseAddress) = (process, baseAddress);

    public Uri BaseAddress { get; }

    /// <summary>Node 22 from <c>tests/interop</c> first on the PATH.</summary>
    public static Dictionary<string, string> NodeEnvironment => new()
    {
        ["PATH"] = $"{Path.Combine(DeployEnvironment.Interop, "node_modules", ".bin")}:{Environment.GetEnvironmentVariable("PATH")}",
    };

    public static async Task<AuthProxy> StartAsync(Uri target, string key)
    {
        int port = LoopbackPort.Next();
        string node = Path.Combine(DeployEnvironment.Interop, "node_modules", ".bin", "node");
        var process = ProcessRunner.Start(node, ["auth-proxy.mjs", "--target", target.ToString(), "--port", $"{port}", "--key", key], DeployEnvironment.Interop, NodeEnvironment);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.StartsWith("listening", StringComparison.Ordinal) == true)
            {
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, e) => errors.AppendLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"auth-proxy exited: {errors}"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await listening.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        return new AuthProxy(process, new Uri($"http://127.0.0.1:{port}"));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
