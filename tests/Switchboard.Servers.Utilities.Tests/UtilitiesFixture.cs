using System.Text.Json;
using ModelContextProtocol.Protocol;
using Switchboard.Testing;

namespace Switchboard.Servers.Utilities.Tests;

/// <summary>A clock that stands still at a chosen instant.</summary>
public sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>Calls utilities tools through the real MCP protocol and reads their results.</summary>
public static class Tools
{
    /// <summary>2024-03-10T12:34:56.789Z, a Sunday; the instant the fixed clock shows.</summary>
    public static readonly DateTimeOffset Now = new(2024, 3, 10, 12, 34, 56, 789, TimeSpan.Zero);

    public static Task<InMemoryMcp> ConnectAsync() =>
        InMemoryMcp.ConnectAsync(UtilitiesServer.CreateCatalog(new FixedTimeProvider(Now)), cancellationToken: TestContext.Current.CancellationToken);

    public static async Task<CallToolResult> CallAsync(this InMemoryMcp mcp, string tool, object? arguments = null)
    {
        var args = arguments is null
            ? new Dictionary<string, object?>()
            : JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(arguments));
        return await mcp.Client.CallToolAsync(tool, args, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>The tool's answer as JSON (structured content, or the text parsed); fails the test on a tool error.</summary>
    public static async Task<JsonElement> JsonAsync(this InMemoryMcp mcp, string tool, object? arguments = null)
    {
        var result = await mcp.CallAsync(tool, arguments);
        Assert.False(result.IsError == true, $"{tool} failed: {Text(result)}");
        return result.StructuredContent is { } structured ? structured : JsonElement.Parse(Text(result));
    }

    /// <summary>The tool's text answer; fails the test on a tool error.</summary>
    public static async Task<string> TextAsync(this InMemoryMcp mcp, string tool, object? arguments = null)
    {
        var result = await mcp.CallAsync(tool, arguments);
        Assert.False(result.IsError == true, $"{tool} failed: {Text(result)}");
        return Text(result);
    }

    /// <summary>The tool's error message; fails the test unless the call came back with isError: true.</summary>
    public static async Task<string> ErrorAsync(this InMemoryMcp mcp, string tool, object? arguments = null)
    {
        var result = await mcp.CallAsync(tool, arguments);
        Assert.True(result.IsError == true, $"{tool} was expected to fail but returned: {Text(result)}");
        return Text(result);
    }

    public static string Text(CallToolResult result) =>
        string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
}
