using System.Diagnostics;
using Switchboard.Gateway.Tests.Interop;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// The reference <c>@modelcontextprotocol/server-everything</c> over the legacy HTTP+SSE transport (2024-11-05), from
/// <c>tests/interop/legacy-sse-everything.mjs</c>: its event stream at <c>/sse</c>, on loopback.
/// </summary>
internal static class LegacySseUpstream
{
    /// <summary>Starts it on <paramref name="port"/> and waits until it listens. Kill it by PID when done.</summary>
    public static async Task<Process> StartAsync(int port, TimeSpan timeout)
    {
        string node = Path.Combine(NodeInterop.Directory, "node_modules", ".bin", "node");
        Assert.True(File.Exists(node), $"Node 22 is not installed in {NodeInterop.Directory}. Run 'npm ci' there.");
        var process = ProcessRunner.Start(node, ["legacy-sse-everything.mjs", "--port", $"{port}"], NodeInterop.Directory);
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data == "listening")
            {
                listening.TrySetResult();
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await listening.Task.WaitAsync(timeout, TestContext.Current.CancellationToken);
        return process;
    }
}
