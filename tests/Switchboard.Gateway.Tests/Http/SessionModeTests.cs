using System.Net;
using System.Text.Json;
using ModelContextProtocol;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>A stateless gateway refuses session ids in its own terms, naming the setting that decides.</summary>
public sealed class SessionModeTests(StatelessGatewayServer gateway) : IClassFixture<StatelessGatewayServer>
{
    [Fact]
    public async Task SessionId_OnAStatelessGateway_NamesGatewaySessions()
    {
        using var http = new HttpClient();
        using var request = new BadInputTests.BadRequest("ping", """{"jsonrpc":"2.0","id":1,"method":"ping"}""", 0, 0, ProtocolVersion: "2025-11-25").ToHttpRequest(gateway);
        request.Headers.Add("Mcp-Session-Id", "made-up");

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        var error = body.RootElement.GetProperty("error");
        Assert.Equal((int)McpErrorCode.InvalidRequest, error.GetProperty("code").GetInt32());
        Assert.Contains("Gateway:Sessions", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, body.RootElement.GetProperty("id").GetInt32());
    }

    [Fact]
    public async Task RequestWithoutSession_OnAStatelessGateway_IsServed()
    {
        using var http = new HttpClient();
        using var request = new BadInputTests.BadRequest("ping", """{"jsonrpc":"2.0","id":1,"method":"ping"}""", 0, 0, ProtocolVersion: "2025-11-25").ToHttpRequest(gateway);

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
