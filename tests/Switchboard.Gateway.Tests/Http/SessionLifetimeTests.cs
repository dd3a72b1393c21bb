using System.Net;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Identity;
using Switchboard.Storage.Repositories;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// A session's event stream (its GET) stays open long after the request that opened it was authenticated: it ends
/// once the key it was opened with is revoked or expires, or the service token it was opened with expires, as every
/// other request with that credential is refused from then on, and only that credential's streams end. A DELETE of a session that is not open is 404, as any other request of it.
/// </summary>
public sealed class SessionLifetimeTests(GatewayServer gateway) : IClassFixture<GatewayServer>, IDisposable
{
    private const string Ping = """{"jsonrpc":"2.0","id":2,"method":"ping"}""";

    private readonly SessionClient _client = new(gateway);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private ApiKeyService Keys => gateway.Services.GetRequiredService<ApiKeyService>();

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task RevokingAKey_EndsItsOpenEventStream_AndNoOtherKeys()
    {
        var (revoked, kept, revokedLater) = (await CreateKeyAsync(), await CreateKeyAsync(), await CreateKeyAsync());
        string keptSession = await _client.OpenSessionAsync(kept.Key);
        using var revokedStream = await _client.OpenEventStreamAsync(revoked.Key, await _client.OpenSessionAsync(revoked.Key));
        using var keptStream = await _client.OpenEventStreamAsync(kept.Key, keptSession);
        using var revokedLaterStream = await _client.OpenEventStreamAsync(revokedLater.Key, await _client.OpenSessionAsync(revokedLater.Key));
        var (revokedEnd, keptEnd, revokedLaterEnd) = (SessionClient.ReadToEndAsync(revokedStream), SessionClient.ReadToEndAsync(keptStream), SessionClient.ReadToEndAsync(revokedLaterStream));
        Assert.False(revokedEnd.IsCompleted);

        await Keys.RevokeAsync(revoked.Info.Id, Ct);

        // Ended as a stream ends, not cut off: reading it comes to its end without an error.
        await revokedEnd.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        using (var again = await _client.SendAsync(HttpMethod.Get, revoked.Key, body: null, sessionId: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        }

        // A second revocation ends its key's stream too; through both, the other key's stream and session go on.
        await Keys.RevokeAsync(revokedLater.Info.Id, Ct);
        await revokedLaterEnd.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.False(keptEnd.IsCompleted, "the stream of a key nobody revoked ended");
        using (var ping = await _client.SendAsync(HttpMethod.Post, kept.Key, Ping, keptSession))
        {
            Assert.Equal(HttpStatusCode.OK, ping.StatusCode);
        }
    }

    [Fact]
    public async Task AKeysEventStream_EndsWhenTheKeyExpires()
    {
        var expiring = await Keys.CreateAsync($"expiring-{Guid.NewGuid():N}", ["agent"], expiresIn: TimeSpan.FromSeconds(5), cancellationToken: Ct);
        using var stream = await _client.OpenEventStreamAsync(expiring.Key, await _client.OpenSessionAsync(expiring.Key));

        await SessionClient.ReadToEndAsync(stream).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        // Ended by the key's expiry, not at once: the timer and the wall clock may differ by a hair, never by a second.
        Assert.True(DateTimeOffset.UtcNow >= expiring.Info.ExpiresAt - TimeSpan.FromSeconds(1), $"the stream ended at {DateTimeOffset.UtcNow:O}, before its key expired at {expiring.Info.ExpiresAt:O}");
    }

    [Fact]
    public async Task AServiceTokensEventStream_EndsWhenTheTokenExpires()
    {
        var key = await CreateKeyAsync();
        var (token, expires) = await ShortServiceTokenAsync(key.Info, TimeSpan.FromSeconds(8));
        using var stream = await _client.OpenEventStreamAsync(token, await _client.OpenSessionAsync(token));

        await SessionClient.ReadToEndAsync(stream).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        // A token's expiry is in whole seconds; its key is still good, so only the token's own expiry ended the stream.
        Assert.True(DateTime.UtcNow >= expires.AddSeconds(-1), $"the stream ended at {DateTime.UtcNow:O}, before its token expired at {expires:O}");
        Assert.Null(await Keys.StandingProblemAsync(key.Info.Prefix, Ct));
    }

    [Fact]
    public async Task DeleteOfASessionThatIsNotOpen_Is404_AsAnyOtherRequestOfIt()
    {
        var key = await CreateKeyAsync();
        string session = await _client.OpenSessionAsync(key.Key);

        await AssertSessionNotFoundAsync(await _client.SendAsync(HttpMethod.Delete, key.Key, body: null, $"{Guid.NewGuid():N}"));
        using (var deleted = await _client.SendAsync(HttpMethod.Delete, key.Key, body: null, session))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        // The SDK ends the session as it answers; its end reaches the gateway's list just after.
        await Poll.UntilAsync(
            async () =>
            {
                using var again = await _client.SendAsync(HttpMethod.Delete, key.Key, body: null, session);
                return again.StatusCode == HttpStatusCode.NotFound;
            },
            TimeSpan.FromSeconds(10),
            "a second DELETE of an ended session was not 404");
        await AssertSessionNotFoundAsync(await _client.SendAsync(HttpMethod.Delete, key.Key, body: null, session));
        await AssertSessionNotFoundAsync(await _client.SendAsync(HttpMethod.Post, key.Key, Ping, session));
    }

    private static async Task AssertSessionNotFoundAsync(HttpResponseMessage response)
    {
        using (response)
        {
            string body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{(int)response.StatusCode}: {body}");
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            Assert.Equal(-32001, error.GetProperty("code").GetInt32());
            Assert.StartsWith("Session not found", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    // Issued tokens live at least a minute; this one is made as the gateway makes them, signed with its own secret, for
    // a few seconds.
    private async Task<(string Token, DateTime Expires)> ShortServiceTokenAsync(ApiKeyInfo key, TimeSpan lifetime)
    {
        await gateway.Services.GetRequiredService<ServiceTokenService>().IssueAsync(key.Principal, key.Prefix, key.Roles, [], lifetime: null, Ct); // makes the signing secret
        var secret = (await gateway.Services.GetRequiredService<ISigningKeyStore>().ListAsync(Ct))[^1];
        var expires = DateTime.UtcNow + lifetime;
        return (new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = ServiceTokenService.Issuer,
            Audience = ServiceTokenService.Issuer,
            IssuedAt = DateTime.UtcNow,
            NotBefore = DateTime.UtcNow,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Convert.FromBase64String(secret.Secret)) { KeyId = secret.Id }, SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = key.Principal,
                ["jti"] = Guid.NewGuid().ToString("N"),
                ["kp"] = key.Prefix,
                ["roles"] = key.Roles.ToArray(),
            },
        }), expires);
    }

    private async Task<CreatedApiKey> CreateKeyAsync() =>
        await Keys.CreateAsync($"lifetime-{Guid.NewGuid():N}", ["agent"], cancellationToken: Ct);
}

/// <summary>A session's event stream opened with an OIDC token ends when the token expires.</summary>
public sealed class TokenEventStreamTests(AuthenticatedGatewayServer gateway) : IClassFixture<AuthenticatedGatewayServer>, IDisposable
{
    private readonly SessionClient _client = new(gateway);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task AnEventStreamOpenedWithAToken_EndsWhenTheTokenExpires()
    {
        var expires = DateTime.UtcNow.AddSeconds(5);
        string token = gateway.Issuer.CreateToken(AuthenticatedGatewayServer.Audience, [new Claim("sub", $"streamer-{Guid.NewGuid():N}"), new Claim("roles", "agent")], expires: expires);
        using var stream = await _client.OpenEventStreamAsync(token, await _client.OpenSessionAsync(token));

        await SessionClient.ReadToEndAsync(stream).WaitAsync(TimeSpan.FromSeconds(30), Ct);
        // A token's expiry is in whole seconds.
        Assert.True(DateTime.UtcNow >= expires.AddSeconds(-1), $"the stream ended at {DateTime.UtcNow:O}, before its token expired at {expires:O}");
    }
}

/// <summary>Raw requests of one 2025-11-25 session to <c>/mcp</c>, as a client without an SDK sends them.</summary>
internal sealed class SessionClient(GatewayServer gateway) : IDisposable
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"lifetime","version":"1"}}}""";

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan }; // streams stay open

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _http.Dispose();

    public async Task<string> OpenSessionAsync(string credential)
    {
        using var initialized = await SendAsync(HttpMethod.Post, credential, Initialize, sessionId: null);
        Assert.True(initialized.StatusCode == HttpStatusCode.OK, await initialized.Content.ReadAsStringAsync(Ct));
        return initialized.Headers.GetValues("Mcp-Session-Id").Single();
    }

    public async Task<HttpResponseMessage> OpenEventStreamAsync(string credential, string session)
    {
        var response = await SendAsync(HttpMethod.Get, credential, body: null, session, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return response;
    }

    // Completes when the stream ends as a response ends; throws when it is cut off.
    public static async Task ReadToEndAsync(HttpResponseMessage response)
    {
        await using var body = await response.Content.ReadAsStreamAsync(Ct);
        await body.CopyToAsync(Stream.Null, Ct);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string credential, string? body, string? sessionId, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(method, gateway.Endpoint("/mcp"));
        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        request.Headers.Add("Authorization", $"Bearer {credential}");
        request.Headers.Add("Accept", method == HttpMethod.Get ? "text/event-stream" : "application/json, text/event-stream");
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return await _http.SendAsync(request, completion, Ct);
    }
}
