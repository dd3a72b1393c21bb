namespace Switchboard.Gateway.Tests.Interop;

/// <summary>The official TypeScript SDK client (<c>StreamableHTTPClientTransport</c>) through the published gateway, in both session modes.</summary>
public sealed class TypeScriptClientTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("/mcp", "everything__")]
    [InlineData("/servers/everything/mcp", "")]
    public async Task SessionClient_ListsAndCallsToolsWithEveryServerToClientPath(string path, string prefix)
    {
        await using var gateway = await PublishedGateway.StartServeAsync();

        var result = await RunClientAsync(gateway, path, prefix, "session");

        Assert.True(result.ExitCode == 0, result.Output);
    }

    [Fact]
    public async Task SessionlessClient_ListsAndCallsTools()
    {
        await using var gateway = await PublishedGateway.StartServeAsync("--Gateway:Sessions=Stateless");

        var result = await RunClientAsync(gateway, "/mcp", "everything__", "stateless");

        Assert.True(result.ExitCode == 0, result.Output);
    }

    private static Task<Switchboard.Testing.ProcessResult> RunClientAsync(PublishedGateway gateway, string path, string prefix, string mode) =>
        NodeInterop.RunAsync("ts-client.mjs", ["--url", gateway.Endpoint(path).ToString(), "--key", gateway.AdminKey, "--prefix", prefix, "--mode", mode], Timeout);
}
