using System.Text.Json;
using ModelContextProtocol;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// What the client sent decides a 4xx, and every error has a body: a JSON-RPC error on MCP endpoints, problem
/// details on the admin API. Each case was a 500 or a bare status before.
/// </summary>
public sealed class EdgeErrorTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private const string Ping = """{"jsonrpc":"2.0","id":1,"method":"ping"}""";

    public static TheoryData<string, string[]> ContentTypes() => new()
    {
        { "none", [] },
        { "empty", [""] },
        { "a lone semicolon", [";"] },
        { "sent twice", ["application/json", "application/json"] },
        { "not JSON", ["text/plain"] },
        { "another charset", ["application/json; charset=ebcdic"] },
    };

    [Theory]
    [MemberData(nameof(ContentTypes))]
    public async Task McpBody_WithoutOneJsonContentType_Is415WithAJsonRpcError(string name, string[] contentTypes)
    {
        var (status, body) = await SendRawAsync("POST", "/mcp", contentTypes, Ping);

        Assert.True(status == 415, $"{name}: {status} {body}");
        Assert.Equal((int)McpErrorCode.InvalidRequest, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task QuotedUtf8Charset_IsJson()
    {
        const string initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}""";
        var (status, body) = await SendRawAsync("POST", "/mcp", ["application/json; charset=\"utf-8\""], initialize);

        Assert.True(status == 200, $"{status} {body}");
    }

    [Fact]
    public async Task AdminBody_InAnUnknownCharset_Is415ProblemDetails()
    {
        var (status, body) = await SendRawAsync("POST", "/api/v1/tokens", ["application/json; charset=ebcdic"], "{}");

        Assert.Equal(415, status);
        Assert.Equal(415, JsonDocument.Parse(body).RootElement.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("""{}""", McpErrorCode.InvalidParams)]
    [InlineData("""{"protocolVersion":"2025-11-25","clientInfo":{"name":"a","version":"1"}}""", McpErrorCode.InvalidParams)]
    [InlineData("""{"protocolVersion":"2025-11-25","capabilities":{"roots":{"listChanged":"maybe"}},"clientInfo":{"name":"a","version":"1"}}""", McpErrorCode.InvalidParams)]
    [InlineData("""true""", McpErrorCode.InvalidRequest)]
    public async Task Initialize_WithParamsTheSchemaRefuses_IsAJsonRpcError(string parameters, McpErrorCode expected)
    {
        var (status, body) = await SendRawAsync("POST", "/mcp", ["application/json"], $$"""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{parameters}}}""");

        Assert.True(status == 400, $"{status} {body}");
        Assert.Equal((int)expected, JsonDocument.Parse(body).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task ChunkSizeThatOverflows_Is400()
    {
        string request =
            "POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
            $"Authorization: Bearer {gateway.AdminKey}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n" +
            "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n";

        var (status, body) = await ExchangeAsync(request);

        Assert.True(status == 400, $"{status} {body}");
    }

    [Theory]
    [InlineData("GET", "/no/such/path", 404, false)]
    [InlineData("PUT", "/mcp", 405, false)]
    [InlineData("GET", "/api/v1/no-such-resource", 404, true)]
    public async Task FrameworkErrors_HaveTheDocumentedBody(string method, string path, int expected, bool problemDetails)
    {
        var (status, body) = await SendRawAsync(method, path, [], string.Empty);

        Assert.Equal(expected, status);
        var root = JsonDocument.Parse(body).RootElement;
        Assert.True(problemDetails ? root.TryGetProperty("status", out _) : root.TryGetProperty("error", out _), body);
    }

    private async Task<(int Status, string Body)> SendRawAsync(string method, string path, string[] contentTypes, string body)
    {
        var response = await RawHttp.SendAsync(gateway.BaseAddress, method, path, gateway.AdminKey, contentTypes, body, TestContext.Current.CancellationToken);
        return (response.Status, response.Body);
    }

    private async Task<(int Status, string Body)> ExchangeAsync(string request)
    {
        var response = await RawHttp.ExchangeAsync(gateway.BaseAddress, request, TestContext.Current.CancellationToken);
        return (response.Status, response.Body);
    }
}
