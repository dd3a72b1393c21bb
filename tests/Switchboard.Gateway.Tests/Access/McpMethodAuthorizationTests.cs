using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using Switchboard.Errors;
using Switchboard.Gateway.Tests.Identity;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Gateway.Tests.Access;

/// <summary>
/// Every MCP method that names a tool, prompt or resource is decided by the policy (docs/access.md), through the real
/// gateway: each allowed for a role that grants it and refused with -32003 for one that does not.
/// </summary>
public sealed class McpMethodAuthorizationTests(AuthenticatedGatewayServer gateway) : IClassFixture<AuthenticatedGatewayServer>
{
    private const string SessionVersion = "2025-11-25";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // reader: tools:call everything/test_simple_*, prompts:get everything/test_simple_prompt; no resources.
    // viewer: resources:read and prompts:get on everything; no tools.
    public static TheoryData<string, string, bool> Matrix() => new()
    {
        { "tools/call", "reader", true },
        { "tools/call", "viewer", false },
        { "prompts/get", "viewer", true },
        { "prompts/get", "reader", false },
        { "resources/read", "viewer", true },
        { "resources/read", "reader", false },
        { "completion/complete ref/prompt", "viewer", true },
        { "completion/complete ref/prompt", "reader", false },
        { "completion/complete ref/resource", "viewer", true },
        { "completion/complete ref/resource", "reader", false },
        { "resources/subscribe", "viewer", true },
        { "resources/subscribe", "reader", false },
        { "resources/unsubscribe", "viewer", true },
        { "resources/unsubscribe", "reader", false },
        { "subscriptions/listen", "viewer", true },
        { "subscriptions/listen", "reader", false },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public async Task Method_IsAllowedExactlyWhenTheRoleGrantsWhatItNames(string method, string role, bool allowed)
    {
        var call = () => InvokeAsync(method, gateway.TokenFor($"{role}-{Guid.NewGuid():N}", role));

        if (allowed)
        {
            await call();
        }
        else
        {
            var error = await Assert.ThrowsAsync<McpProtocolException>(call);
            Assert.Equal(SwitchboardErrorCodes.PermissionDenied, error.ErrorCode);
            Assert.Contains("Permission denied", error.Message, StringComparison.Ordinal);
        }
    }

    // Sessionless (2026-07-28) requests are refused the same way as session-based ones.
    [Fact]
    public async Task Sessionless_RefusedCall_IsPermissionDenied()
    {
        await using var client = await gateway.ConnectAsync("/mcp", protocolVersion: null, bearerToken: gateway.TokenFor($"reader-{Guid.NewGuid():N}", "reader"));

        var allowed = await client.CallToolAsync("everything__test_simple_text", cancellationToken: Ct);
        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("everything__test_image_content", cancellationToken: Ct));

        Assert.Null(client.SessionId);
        Assert.NotEqual(true, allowed.IsError);
        Assert.Equal(SwitchboardErrorCodes.PermissionDenied, error.ErrorCode);
    }

    // A caller may not learn whether a tool exists from a name it may not call.
    [Fact]
    public async Task CallTool_NameOfNoServer_NotGranted_IsPermissionDenied_AndAudited()
    {
        string name = $"no_such_tool_{Guid.NewGuid():N}";
        string subject = $"reader-{Guid.NewGuid():N}";
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion, bearerToken: gateway.TokenFor(subject, "reader"));

        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync(name, cancellationToken: Ct));

        Assert.Equal(SwitchboardErrorCodes.PermissionDenied, error.ErrorCode);
        var audited = Assert.Single(await AuditedAsync(name));
        Assert.Equal(("tools/call", "denied"), (audited.Action, audited.Outcome));
        Assert.EndsWith(subject, audited.Actor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_NameOfNoServer_Granted_GetsTheUnknownToolError_AndIsAudited()
    {
        string name = $"no_such_tool_{Guid.NewGuid():N}";
        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion, bearerToken: gateway.TokenFor($"agent-{Guid.NewGuid():N}", "agent"));

        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync(name, cancellationToken: Ct));

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
        var audited = Assert.Single(await AuditedAsync(name));
        Assert.Equal(("tools/call", "unknown-tool"), (audited.Action, audited.Outcome));
    }

    private async Task InvokeAsync(string method, string token)
    {
        if (method == "subscriptions/listen")
        {
            await ListenAsync(token, "test://watched-resource");
            return;
        }

        await using var client = await gateway.ConnectAsync("/mcp", SessionVersion, bearerToken: token);
        switch (method)
        {
            case "tools/call":
                Assert.NotEqual(true, (await client.CallToolAsync("everything__test_simple_text", cancellationToken: Ct)).IsError);
                break;
            case "prompts/get":
                Assert.NotEmpty((await client.GetPromptAsync("everything__test_prompt_with_arguments", new Dictionary<string, object?> { ["arg1"] = "a", ["arg2"] = "b" }, cancellationToken: Ct)).Messages);
                break;
            case "resources/read":
                Assert.NotEmpty((await client.ReadResourceAsync("test://static-text", cancellationToken: Ct)).Contents);
                break;
            case "completion/complete ref/prompt":
                Assert.Equal(["paris", "park", "party"], (await client.CompleteAsync(new PromptReference { Name = "everything__test_prompt_with_arguments" }, "arg1", "pa", cancellationToken: Ct)).Completion.Values);
                break;
            case "completion/complete ref/resource":
                Assert.Equal(["1", "123"], (await client.CompleteAsync(new ResourceTemplateReference { Uri = "test://template/{id}/data" }, "id", "1", cancellationToken: Ct)).Completion.Values);
                break;
            case "resources/subscribe":
                await client.SubscribeToResourceAsync("test://watched-resource", cancellationToken: Ct);
                break;
            case "resources/unsubscribe":
                await client.UnsubscribeFromResourceAsync("test://watched-resource", cancellationToken: Ct);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(method), method, "no such case");
        }
    }

    // subscriptions/listen is a 2026-07-28 request with no client helper: sent as JSON-RPC. A refusal comes back
    // as the same exception the client would raise.
    private async Task ListenAsync(string token, string uri)
    {
        var body = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = 1,
            ["method"] = "subscriptions/listen",
            ["params"] = new JsonObject
            {
                ["notifications"] = new JsonObject { ["resourceSubscriptions"] = new JsonArray(uri) },
                ["_meta"] = new JsonObject
                {
                    ["io.modelcontextprotocol/protocolVersion"] = "2026-07-28",
                    ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject(),
                },
            },
        };
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("/mcp")) { Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
        request.Headers.Add("Mcp-Method", "subscriptions/listen");
        using var response = await http.SendAsync(request, Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);

        // The answer is the last JSON-RPC message of the stream (an acknowledgement notification may come first).
        string last = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? text.Split('\n').Last(l => l.StartsWith("data: {", StringComparison.Ordinal))["data: ".Length..]
            : text;
        using var message = JsonDocument.Parse(last);
        if (message.RootElement.TryGetProperty("error", out var error))
        {
            throw new McpProtocolException(error.GetProperty("message").GetString()!, (McpErrorCode)error.GetProperty("code").GetInt32());
        }

        Assert.True(message.RootElement.TryGetProperty("result", out _), text);
    }

    private Task<IReadOnlyList<AuditEvent>> AuditedAsync(string target) =>
        gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Target: target, Limit: 10), Ct);
}
