using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Access.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>The gateway letting each principal hold two sessions (<c>Gateway:MaxSessionsPerPrincipal</c>).</summary>
public sealed class SessionCapGatewayServer : GatewayServer
{
    protected override string[] ExtraArguments => ["--Gateway:MaxSessionsPerPrincipal=2"];
}

/// <summary>
/// One principal cannot fill the replica's sessions: past <c>Gateway:MaxIdleSessions</c> the SDK ends the longest idle
/// sessions whoever holds them, so each principal may hold only <c>Gateway:MaxSessionsPerPrincipal</c>, and its next
/// initialize is refused (429) until one ends. Other principals are not affected.
/// </summary>
public sealed class SessionCapTests(SessionCapGatewayServer gateway) : IClassFixture<SessionCapGatewayServer>
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"cap","version":"1"}}}""";
    private const string Ping = """{"jsonrpc":"2.0","id":2,"method":"ping"}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PrincipalPastItsSessionCap_Is429_OthersAreNotAffected_AndEndingASessionFreesItsPlace()
    {
        string a = await CreateKeyAsync(), b = await CreateKeyAsync();
        string aSession = await OpenSessionAsync(a);
        string bFirst = await OpenSessionAsync(b);
        await OpenSessionAsync(b);

        using var refused = await SendAsync(HttpMethod.Post, b, Initialize, sessionId: null);
        var error = (await refused.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("error");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(-32029, error.GetProperty("code").GetInt32());
        Assert.Contains("Gateway:MaxSessionsPerPrincipal", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.False(refused.Headers.Contains("Mcp-Session-Id"));
        // A's session lives on, and A may open its second.
        using (var ping = await SendAsync(HttpMethod.Post, a, Ping, aSession))
        {
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        }

        await OpenSessionAsync(a);

        // Ending a session gives its place back (the session's end is counted as the SDK finishes it).
        using (var deleted = await SendAsync(HttpMethod.Delete, b, body: null, bFirst))
        {
            Assert.True(deleted.IsSuccessStatusCode, deleted.StatusCode.ToString());
        }

        await Poll.UntilAsync(
            async () =>
            {
                using var again = await SendAsync(HttpMethod.Post, b, Initialize, sessionId: null);
                return again.StatusCode == HttpStatusCode.OK;
            },
            TimeSpan.FromSeconds(30),
            "the ended session still counted against its principal");
    }

    private async Task<string> CreateKeyAsync() =>
        (await gateway.Services.GetRequiredService<ApiKeyService>().CreateAsync($"agent-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct)).Key;

    private async Task<string> OpenSessionAsync(string key)
    {
        using var initialized = await SendAsync(HttpMethod.Post, key, Initialize, sessionId: null);
        Assert.True(initialized.StatusCode == HttpStatusCode.OK, await initialized.Content.ReadAsStringAsync(Ct));
        return initialized.Headers.GetValues("Mcp-Session-Id").Single();
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string key, string? body, string? sessionId)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, gateway.Endpoint("/mcp"));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        request.Headers.Add("Authorization", $"Bearer {key}");
        request.Headers.Add("Accept", "application/json, text/event-stream");
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, Ct);
    }
}
