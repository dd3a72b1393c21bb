using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Interop;

/// <summary>The Node 22 toolchain and the official MCP packages installed in <c>tests/interop</c> by the test script.</summary>
internal static class NodeInterop
{
    public static string Directory { get; } = Path.Combine(RepositoryRoot(), "tests", "interop");

    private static string Bin => Path.Combine(Directory, "node_modules", ".bin");

    /// <summary>Runs a Node script (or a package binary) from <c>tests/interop</c> with Node 22 first on the PATH.</summary>
    public static Task<ProcessResult> RunAsync(string command, IEnumerable<string> arguments, TimeSpan timeout)
    {
        string node = Path.Combine(Bin, "node");
        if (!File.Exists(node))
        {
            Assert.Fail($"Node 22 is not installed in {Directory}. Run the test script (scripts/test.sh), or 'npm ci' there.");
        }

        string file = command.EndsWith(".mjs", StringComparison.Ordinal) ? node : Path.Combine(Bin, command);
        IEnumerable<string> args = command.EndsWith(".mjs", StringComparison.Ordinal) ? [command, .. arguments] : arguments;
        var environment = new Dictionary<string, string> { ["PATH"] = $"{Bin}:{Environment.GetEnvironmentVariable("PATH")}" };
        return ProcessRunner.RunAsync(file, args, timeout, Directory, environment, TestContext.Current.CancellationToken);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Switchboard.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No Switchboard.slnx above {AppContext.BaseDirectory}.");
    }
}
