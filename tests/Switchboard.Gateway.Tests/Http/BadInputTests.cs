using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ModelContextProtocol;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>Malformed and hostile requests, each answered with the right HTTP status and JSON-RPC error, never a 500.</summary>
public sealed class BadInputTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}""";
    private const string Ping = """{"jsonrpc":"2.0","id":7,"method":"ping"}""";

    public static TheoryData<BadRequest> Cases() =>
    [
        new BadRequest("invalid JSON", "{\"jsonrpc\":\"2.0\",", HttpStatusCode.BadRequest, McpErrorCode.ParseError),
        new BadRequest("not JSON at all", "hello", HttpStatusCode.BadRequest, McpErrorCode.ParseError),
        new BadRequest("empty body", "", HttpStatusCode.BadRequest, McpErrorCode.ParseError),
        new BadRequest("JSON that is not JSON-RPC", "[1,2,3]", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("wrong JSON-RPC version", """{"jsonrpc":"1.0","id":1,"method":"initialize"}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("oversized body", Oversized(), HttpStatusCode.RequestEntityTooLarge, McpErrorCode.InvalidRequest),
        new BadRequest("oversized body without Content-Length", Oversized(), HttpStatusCode.RequestEntityTooLarge, McpErrorCode.InvalidRequest, Chunked: true),
        new BadRequest("foreign Host", Initialize, HttpStatusCode.Forbidden, McpErrorCode.InvalidRequest, Host: "evil.example"),
        new BadRequest("foreign Origin", Initialize, HttpStatusCode.Forbidden, McpErrorCode.InvalidRequest, Origin: "http://evil.example"),
        new BadRequest("unsupported MCP-Protocol-Version", Ping, HttpStatusCode.BadRequest, McpErrorCode.UnsupportedProtocolVersion, ProtocolVersion: "1999-01-01"),
        new BadRequest("garbage MCP-Protocol-Version", Ping, HttpStatusCode.BadRequest, McpErrorCode.UnsupportedProtocolVersion, ProtocolVersion: "not-a-version"),
        new BadRequest("foreign Host on a server endpoint", Initialize, HttpStatusCode.Forbidden, McpErrorCode.InvalidRequest, Path: "/servers/everything/mcp", Host: "evil.example"),
        new BadRequest("no jsonrpc member", """{"id":1,"method":"ping"}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("a batch", $"[{Ping}]", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("null id", """{"jsonrpc":"2.0","id":null,"method":"ping"}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("object id", """{"jsonrpc":"2.0","id":{},"method":"ping"}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("method is a number", """{"jsonrpc":"2.0","id":1,"method":7}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("neither method nor result", """{"jsonrpc":"2.0","id":1}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("result and error", """{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("initialize with params a string", """{"jsonrpc":"2.0","id":1,"method":"initialize","params":"x"}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("initialize with params an array", """{"jsonrpc":"2.0","id":1,"method":"initialize","params":[]}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("initialize with params a number", """{"jsonrpc":"2.0","id":1,"method":"initialize","params":5}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("duplicate key in params", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","name":"b"}}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest, ProtocolVersion: "2026-07-28"),
        new BadRequest("duplicate key in _meta", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"a":1,"\u0061":2}}}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest, ProtocolVersion: "2026-07-28"),
        new BadRequest("duplicate top-level key", """{"jsonrpc":"2.0","id":1,"method":"ping","method":"ping"}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("lone surrogate in a tool name", """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\ud800"}}""", HttpStatusCode.BadRequest, McpErrorCode.ParseError, ProtocolVersion: "2026-07-28"),
        new BadRequest("lone surrogate in a key", """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"\udc00":1}}""", HttpStatusCode.BadRequest, McpErrorCode.ParseError),
        new BadRequest("trailing garbage", Ping + "x", HttpStatusCode.BadRequest, McpErrorCode.ParseError),
        new BadRequest("a request without a session", """{"jsonrpc":"2.0","id":4,"method":"tools/list"}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidRequest),
        new BadRequest("a cursor that is a number, without a session", """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":5}}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidParams, ProtocolVersion: "2026-07-28"),
        new BadRequest("a cursor that is an object, without a session", """{"jsonrpc":"2.0","id":1,"method":"resources/templates/list","params":{"cursor":{}}}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidParams, ProtocolVersion: "2026-07-28"),
        new BadRequest("completion/complete without ref, without a session", """{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"argument":{"name":"a","value":"b"}}}""", HttpStatusCode.BadRequest, McpErrorCode.InvalidParams, ProtocolVersion: "2026-07-28"),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedRequest_IsRefusedWithTheRightStatusAndJsonRpcError(BadRequest request)
    {
        using var http = new HttpClient();

        using var response = await http.SendAsync(request.ToHttpRequest(gateway), TestContext.Current.CancellationToken);

        Assert.Equal(request.Status, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal((int)request.Code, error.GetProperty("code").GetInt32());
        string message = error.GetProperty("message").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(message));
        Assert.DoesNotContain("ModelContextProtocol", message, StringComparison.Ordinal);
        Assert.DoesNotContain("HttpServerTransportOptions", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidUtf8InAString_IsAParseError()
    {
        byte[] body = [.. Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":" """), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\"}}")];
        using var http = new HttpClient();
        using var request = new BadRequest("bytes", "", 0, 0, ProtocolVersion: "2026-07-28").ToHttpRequest(gateway);
        request.Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal((int)McpErrorCode.ParseError, error.GetProperty("code").GetInt32());
        Assert.Contains("UTF-8", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidRequest_EchoesTheRequestId()
    {
        using var http = new HttpClient();
        var request = new BadRequest("no session", """{"jsonrpc":"2.0","id":"abc-1","method":"tools/list"}""", 0, 0);

        using var response = await http.SendAsync(request.ToHttpRequest(gateway), TestContext.Current.CancellationToken);

        string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("abc-1", json.RootElement.GetProperty("id").GetString());
        Assert.Contains("initialize", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetWithoutASession_SaysWhatIsMissing_InSwitchboardTerms()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Endpoint("/mcp"));
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        string message = (await ReadErrorAsync(response)).GetProperty("message").GetString()!;
        Assert.Contains("Mcp-Session-Id", message, StringComparison.Ordinal);
        Assert.DoesNotContain("HttpServerTransportOptions", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedBody_WithoutCredentials_IsRefusedBeforeItIsParsed()
    {
        using var http = new HttpClient();
        using var request = new BadRequest("anonymous garbage", "{not json", 0, 0).ToHttpRequest(gateway);
        request.Headers.Authorization = null;

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task UnknownMethod_InASession_IsMethodNotFound()
    {
        using var http = new HttpClient();
        using var init = await http.SendAsync(new BadRequest("init", Initialize, HttpStatusCode.OK, 0).ToHttpRequest(gateway), TestContext.Current.CancellationToken);
        string session = init.Headers.GetValues("Mcp-Session-Id").Single();

        var call = new BadRequest("unknown", """{"jsonrpc":"2.0","id":2,"method":"no/such/method"}""", HttpStatusCode.OK, 0, ProtocolVersion: "2025-11-25").ToHttpRequest(gateway);
        call.Headers.Add("Mcp-Session-Id", session);
        using var response = await http.SendAsync(call, TestContext.Current.CancellationToken);

        // The SDK's own refusal of the method (-32020 in SDK 2.4), not the check's of its level.
        var error = await ReadErrorAsync(response);
        Assert.NotEqual((int)McpErrorCode.InvalidParams, error.GetProperty("code").GetInt32());
        Assert.DoesNotContain("\"level\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    // The SDK read these params into its own types and answered the failure as an internal error (-32603).
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"loud"}}""", "\"level\"")]
    [InlineData("""{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":5}}""", "\"level\"")]
    [InlineData("""{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{}}""", "\"level\"")]
    [InlineData("""{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{"cursor":5}}""", "\"cursor\"")]
    [InlineData("""{"jsonrpc":"2.0","id":2,"method":"prompts/list","params":{"cursor":true}}""", "\"cursor\"")]
    [InlineData("""{"jsonrpc":"2.0","id":2,"method":"resources/list","params":{"cursor":[1]}}""", "\"cursor\"")]
    [InlineData("""{"jsonrpc":"2.0","id":2,"method":"completion/complete","params":{}}""", "\"ref\"")]
    [InlineData("""{"jsonrpc":"2.0","id":2,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":5}}}""", "$.argument.value")]
    public async Task ParamsTheSdkCannotRead_InASession_AreInvalidParamsNamingTheMember(string body, string named)
    {
        using var http = new HttpClient();
        using var init = await http.SendAsync(new BadRequest("init", Initialize, HttpStatusCode.OK, 0).ToHttpRequest(gateway), TestContext.Current.CancellationToken);
        string session = init.Headers.GetValues("Mcp-Session-Id").Single();

        var call = new BadRequest("bad params", body, 0, 0, ProtocolVersion: "2025-11-25").ToHttpRequest(gateway);
        call.Headers.Add("Mcp-Session-Id", session);
        using var response = await http.SendAsync(call, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = await ReadErrorAsync(response);
        Assert.Equal((int)McpErrorCode.InvalidParams, error.GetProperty("code").GetInt32());
        Assert.Contains(named, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    // 2026-07-28 has no logging/setLevel: it is refused as a method, whatever its level, not as invalid params.
    [Fact]
    public async Task SetLevelWithABadLevel_WithoutASession_IsRefusedAsAMethod()
    {
        using var http = new HttpClient();
        const string Meta = """{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}""";
        var request = new BadRequest("setLevel", $$$"""{"jsonrpc":"2.0","id":2,"method":"logging/setLevel","params":{"level":"loud","_meta":{{{Meta}}}}}""", 0, 0, ProtocolVersion: "2026-07-28");

        using var response = await http.SendAsync(request.ToHttpRequest(gateway), TestContext.Current.CancellationToken);

        // The SDK's own refusal of the method (-32020 in SDK 2.4), not the check's of its level.
        var error = await ReadErrorAsync(response);
        Assert.NotEqual((int)McpErrorCode.InvalidParams, error.GetProperty("code").GetInt32());
        Assert.DoesNotContain("\"level\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionFromAnotherEndpoint_IsRefused()
    {
        using var http = new HttpClient();
        using var init = await http.SendAsync(new BadRequest("init", Initialize, HttpStatusCode.OK, 0).ToHttpRequest(gateway), TestContext.Current.CancellationToken);
        string session = init.Headers.GetValues("Mcp-Session-Id").Single();

        var replay = new BadRequest("replay", """{"jsonrpc":"2.0","id":3,"method":"tools/list"}""", HttpStatusCode.OK, 0, Path: "/servers/everything/mcp", ProtocolVersion: "2025-11-25")
            .ToHttpRequest(gateway);
        replay.Headers.Add("Mcp-Session-Id", session);
        using var response = await http.SendAsync(replay, TestContext.Current.CancellationToken);

        var error = await ReadErrorAsync(response);
        Assert.Equal((int)McpErrorCode.InvalidRequest, error.GetProperty("code").GetInt32());
        Assert.Contains("'gateway'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AllowedOrigin_IsServed()
    {
        using var http = new HttpClient();
        var request = new BadRequest("localhost origin", Initialize, HttpStatusCode.OK, 0, Origin: "http://localhost:6274").ToHttpRequest(gateway);

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task UnknownServer_Is404()
    {
        using var http = new HttpClient();

        using var response = await http.SendAsync(new BadRequest("unknown server", Initialize, 0, 0, Path: "/servers/no-such-server/mcp").ToHttpRequest(gateway), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task HealthProbes_IgnoreTheHostCheck()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Endpoint("/healthz/ready"));
        request.Headers.Host = "10.1.2.3";

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"Healthy\"", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    // The response is JSON, or an SSE stream whose last data line is the JSON-RPC message.
    private static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response)
    {
        string body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? body.Split('\n').Last(l => l.StartsWith("data: {", StringComparison.Ordinal))["data: ".Length..]
            : body;
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("error").Clone();
    }

    private static string Oversized() =>
        """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"pad":" """ + new string('x', GatewayServer.MaxRequestBodyBytes) + "\"}}";

    public sealed record BadRequest(
        string Name,
        string Body,
        HttpStatusCode Status,
        McpErrorCode Code,
        string Path = "/mcp",
        string? Host = null,
        string? Origin = null,
        string? ProtocolVersion = null,
        bool Chunked = false)
    {
        public HttpRequestMessage ToHttpRequest(GatewayServer gateway)
        {
            var content = Chunked
                ? (HttpContent)new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(Body)))
                : new StringContent(Body, Encoding.UTF8);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint(Path)) { Content = content };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);
            if (Chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }

            if (Host is not null)
            {
                request.Headers.Host = Host;
            }

            if (Origin is not null)
            {
                request.Headers.Add("Origin", Origin);
            }

            if (ProtocolVersion is not null)
            {
                request.Headers.Add("MCP-Protocol-Version", ProtocolVersion);
            }

            return request;
        }

        public override string ToString() => Name;
    }
}
