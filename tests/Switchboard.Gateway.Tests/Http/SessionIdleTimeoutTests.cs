using System.Net;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// A session that stays silent past <c>Gateway:SessionIdleTimeout</c> is ended, so abandoned sessions do not hold
/// memory for the SDK's default two hours; its client gets 404 and starts a new one, as the transport specifies.
/// </summary>
public sealed class SessionIdleTimeoutTests(ShortSessionGatewayServer gateway) : IClassFixture<ShortSessionGatewayServer>
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"idle","version":"1"}}}""";

    [Fact]
    public async Task AbandonedSession_IsEnded_AndANewOneWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        // Raw requests, as a client that initializes and walks away would send them (an SDK client keeps a GET
        // stream open, and a session with an open request is never idle).
        using var initialized = await PostAsync(Initialize, sessionId: null, ct);
        string sessionId = initialized.Headers.GetValues("Mcp-Session-Id").Single();
        using (var first = await PostAsync("""{"jsonrpc":"2.0","id":2,"method":"ping"}""", sessionId, ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // The SDK looks for idle sessions every 5 seconds; stay silent for two of its rounds.
        await Task.Delay(TimeSpan.FromSeconds(11), ct);

        using var late = await PostAsync("""{"jsonrpc":"2.0","id":3,"method":"ping"}""", sessionId, ct);
        Assert.Equal(HttpStatusCode.NotFound, late.StatusCode);
        using var again = await PostAsync(Initialize, sessionId: null, ct);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    private async Task<HttpResponseMessage> PostAsync(string body, string? sessionId, CancellationToken ct)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("/mcp"))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Authorization", $"Bearer {gateway.AdminKey}");
        request.Headers.Add("Accept", "application/json, text/event-stream");
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
    }
}
