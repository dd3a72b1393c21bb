using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Interop;

/// <summary>The Node 22 toolchain and the official MCP packages installed in <c>tests/interop</c> by the test script.</summary>
internal static class NodeInterop
{
    public static string Directory { get; } = Path.Combine(Repository.Root, "tests", "interop");

    private static string Bin => Path.Combine(Directory, "node_modules", ".bin");

    private static Dictionary<string, string> Environment => new() { ["PATH"] = $"{Bin}:{System.Environment.GetEnvironmentVariable("PATH")}" };

    private static string Node
    {
        get
        {
            string node = Path.Combine(Bin, "node");
            if (!File.Exists(node))
            {
                Assert.Fail($"Node 22 is not installed in {Directory}. Run the test script (scripts/test.sh), or 'npm ci' there.");
            }

            return node;
        }
    }

    /// <summary>Runs a Node script (or a package binary) from <c>tests/interop</c> with Node 22 first on the PATH.</summary>
    public static Task<ProcessResult> RunAsync(string command, IEnumerable<string> arguments, TimeSpan timeout)
    {
        bool script = command.EndsWith(".mjs", StringComparison.Ordinal) || command.EndsWith(".js", StringComparison.Ordinal);
        string file = script ? Node : Path.Combine(Bin, command);
        IEnumerable<string> args = script ? [command, .. arguments] : arguments;
        return ProcessRunner.RunAsync(file, args, timeout, Directory, Environment, TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// Starts <c>auth-proxy.mjs</c> in front of <paramref name="gateway"/>, adding its administrator key to every
    /// request, for Node clients that cannot send headers. Dispose the result to stop it.
    /// </summary>
    public static async Task<AuthProxy> StartAuthProxyAsync(PublishedGateway gateway)
    {
        int port = LoopbackPort.Next();
        var process = ProcessRunner.Start(Node, ["auth-proxy.mjs", "--target", gateway.BaseAddress.ToString(), "--port", $"{port}", "--key", gateway.AdminKey], Directory, Environment);
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

    /// <summary>A running auth proxy; disposing stops it (by PID).</summary>
    public sealed class AuthProxy(System.Diagnostics.Process process, Uri baseAddress) : IDisposable
    {
        public Uri Endpoint(string path) => new(baseAddress, path);

        public void Dispose()
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }

            process.Dispose();
        }
    }
}
