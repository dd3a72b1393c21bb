using ModelContextProtocol;
using Switchboard.Errors;

namespace Switchboard.Gateway.Tests.Identity;

/// <summary>Roles × tools: what <c>tools/list</c> shows and what a call does, on /mcp and on /servers/{name}/mcp.</summary>
public sealed class RbacMatrixTests(AuthenticatedGatewayServer gateway) : IClassFixture<AuthenticatedGatewayServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string, string, bool> Matrix()
    {
        var data = new TheoryData<string, string, string, bool>();
        foreach (var (path, prefix) in new[] { ("/mcp", "everything__"), ("/servers/everything/mcp", "") })
        {
            data.Add(path, "admin", $"{prefix}test_image_content", true);
            data.Add(path, "agent", $"{prefix}test_image_content", true);
            data.Add(path, "operator", $"{prefix}test_simple_text", true);
            data.Add(path, "viewer", $"{prefix}test_simple_text", false);
            data.Add(path, "reader", $"{prefix}test_simple_text", true);
            data.Add(path, "reader", $"{prefix}test_image_content", false);
            data.Add(path, "nobody-knows-this-role", $"{prefix}test_simple_text", false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Role_SeesAndCallsExactlyWhatThePolicyGrants(string path, string role, string tool, bool allowed)
    {
        await using var client = await gateway.ConnectAsync(path, "2025-11-25", bearerToken: gateway.TokenFor($"user-{role}", role));

        var listed = (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToList();

        Assert.Equal(allowed, listed.Contains(tool));
        if (allowed)
        {
            var result = await client.CallToolAsync(tool, cancellationToken: Ct);
            Assert.NotEqual(true, result.IsError);
        }
        else
        {
            var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync(tool, cancellationToken: Ct));
            Assert.Equal(SwitchboardErrorCodes.PermissionDenied, error.ErrorCode);
            Assert.Contains("Permission denied", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CustomRole_ListsOnlyItsGlob()
    {
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: gateway.TokenFor("rita", "reader"));

        var tools = (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).Order(StringComparer.Ordinal);
        var prompts = (await client.ListPromptsAsync(cancellationToken: Ct)).Select(p => p.Name);

        Assert.Equal(["everything__test_simple_text"], tools);
        Assert.Equal(["everything__test_simple_prompt"], prompts);
    }

    [Fact]
    public async Task Viewer_ReadsResourcesButCallsNoTools()
    {
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: gateway.TokenFor("vic", "viewer"));

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        var resource = await client.ReadResourceAsync("test://static-text", cancellationToken: Ct);

        Assert.Empty(tools);
        Assert.Single(resource.Contents);
    }

    [Fact]
    public async Task ReaderRole_CannotReadResources()
    {
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: gateway.TokenFor("rita", "reader"));

        var resources = await client.ListResourcesAsync(cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.ReadResourceAsync("test://static-text", cancellationToken: Ct));

        Assert.Empty(resources);
        Assert.Equal(SwitchboardErrorCodes.PermissionDenied, error.ErrorCode);
    }

    [Fact]
    public async Task RateLimit_CountsToolCalls_AndSaysWhenToRetry()
    {
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: gateway.TokenFor($"busy-{Guid.NewGuid():N}", "limited"));

        await client.CallToolAsync("everything__test_simple_text", cancellationToken: Ct);
        await client.CallToolAsync("everything__test_simple_text", cancellationToken: Ct);
        await client.ListToolsAsync(cancellationToken: Ct); // not a tool call: never counted
        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("everything__test_simple_text", cancellationToken: Ct));
        var otherTool = await client.CallToolAsync("everything__test_image_content", cancellationToken: Ct);

        Assert.Equal(SwitchboardErrorCodes.RateLimited, error.ErrorCode);
        Assert.Contains("retry after", error.Message, StringComparison.Ordinal);
        Assert.NotEqual(true, otherTool.IsError);
    }
}
