namespace Switchboard.Gateway.Tests.Interop;

/// <summary>
/// The official reference servers <c>@modelcontextprotocol/server-filesystem</c> and
/// <c>@modelcontextprotocol/server-everything</c> (installed in <c>tests/interop</c>) as stdio upstreams of the
/// published gateway, listed and called through <c>/mcp</c> by the TypeScript SDK client, in both session modes.
/// </summary>
public sealed class ReferenceServerTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    private readonly string _root = Directory.CreateTempSubdirectory("switchboard-reference-root-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("Hybrid")]
    [InlineData("Stateless")]
    public async Task ReferenceServersOverStdio_ListedAndCalledThroughTheGateway(string sessions)
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "hello.txt"), "hello from the filesystem server", TestContext.Current.CancellationToken);
        string node = Path.Combine(NodeInterop.Directory, "node_modules", ".bin", "node");
        string packages = Path.Combine(NodeInterop.Directory, "node_modules", "@modelcontextprotocol");
        await using var gateway = await PublishedGateway.StartServeAsync(
            $"--Gateway:Sessions={sessions}",
            $"--Servers:files:Command={node}",
            $"--Servers:files:Args:0={Path.Combine(packages, "server-filesystem", "dist", "index.js")}",
            $"--Servers:files:Args:1={_root}",
            $"--Servers:reference:Command={node}",
            $"--Servers:reference:Args:0={Path.Combine(packages, "server-everything", "dist", "index.js")}",
            "--Servers:reference:Args:1=stdio");

        var result = await NodeInterop.RunAsync(
            "reference-servers.mjs", ["--url", gateway.Endpoint("/mcp").ToString(), "--key", gateway.AdminKey, "--root", _root], Timeout);

        Assert.True(result.ExitCode == 0, result.Output);
    }
}
