using Switchboard.Testing;

namespace Switchboard.Servers.Filesystem.Tests.Differential;

/// <summary>The reference server and Node 22, installed in <c>tests/interop-filesystem</c> by <c>npm ci</c>.</summary>
internal static class ReferenceServer
{
    public static string Directory { get; } = Path.Combine(Repository.Root, "tests", "interop-filesystem");

    public static string ScriptPath => Path.Combine(Directory, "differential-script.json");

    private static string Bin => Path.Combine(Directory, "node_modules", ".bin");

    /// <summary>Runs a Node script from <c>tests/interop-filesystem</c> with Node 22.</summary>
    public static Task<ProcessResult> RunNodeAsync(string script, IEnumerable<string> arguments, TimeSpan timeout)
    {
        string node = Path.Combine(Bin, "node");
        if (!File.Exists(node) || !System.IO.Directory.Exists(Path.Combine(Directory, "node_modules", "@modelcontextprotocol", "server-filesystem")))
        {
            Assert.Fail($"The reference server is not installed in {Directory}: run 'npm ci --prefix tests/interop-filesystem' (scripts/test.sh does).");
        }

        var environment = new Dictionary<string, string> { ["PATH"] = $"{Bin}:{Environment.GetEnvironmentVariable("PATH")}" };
        return ProcessRunner.RunAsync(node, [script, .. arguments], timeout, Directory, environment, TestContext.Current.CancellationToken);
    }
}
