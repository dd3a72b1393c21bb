using System.Net;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>The gateway with one origin allowed to call it from a browser.</summary>
public sealed class CorsGatewayServer : GatewayServer
{
    public const string AllowedOrigin = "https://app.example.com";

    protected override string[] ExtraArguments => [$"--Gateway:Cors:AllowedOrigins:0={AllowedOrigin}"];
}

/// <summary>Browser-based MCP clients from a configured origin can preflight and call; CORS is off by default.</summary>
public sealed class CorsTests(CorsGatewayServer gateway) : IClassFixture<CorsGatewayServer>
{
    [Fact]
    public async Task Preflight_FromAnAllowedOrigin_AllowsTheMcpHeaders()
    {
        using var http = new HttpClient();
        using var preflight = Preflight(gateway, CorsGatewayServer.AllowedOrigin);

        using var response = await http.SendAsync(preflight, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(CorsGatewayServer.AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        string allowed = string.Join(',', response.Headers.GetValues("Access-Control-Allow-Headers"));
        Assert.Contains("authorization", allowed, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("mcp-session-id", allowed, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Preflight_FromAnotherOrigin_GetsNoCorsHeaders()
    {
        using var http = new HttpClient();
        using var preflight = Preflight(gateway, "https://evil.example");

        using var response = await http.SendAsync(preflight, TestContext.Current.CancellationToken);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Call_FromAnAllowedOrigin_IsServedAndExposesTheSessionHeader()
    {
        using var http = new HttpClient();
        using var request = new BadInputTests.BadRequest("initialize", """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"web","version":"1"}}}""", 0, 0, Origin: CorsGatewayServer.AllowedOrigin).ToHttpRequest(gateway);

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(CorsGatewayServer.AllowedOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Mcp-Session-Id", string.Join(',', response.Headers.GetValues("Access-Control-Expose-Headers")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Preflight_WithCorsOff_IsNotAnswered()
    {
        await using var plain = new GatewayServer();
        await plain.InitializeAsync();
        using var http = new HttpClient();
        using var preflight = Preflight(plain, CorsGatewayServer.AllowedOrigin);

        using var response = await http.SendAsync(preflight, TestContext.Current.CancellationToken);

        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(GatewayServer server, string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, server.Endpoint("/mcp"));
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type, mcp-session-id, mcp-protocol-version");
        return request;
    }
}
