using System.Net;
using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;
using Switchboard.Access.Identity;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Identity;

/// <summary>Every way in without a valid credential is refused with 401 and the MCP authorization challenge.</summary>
public sealed class AttackMatrixTests(AuthenticatedGatewayServer gateway) : IClassFixture<AuthenticatedGatewayServer>
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Attacks() =>
    [
        "no credentials", "malformed header", "not a bearer scheme", "not a token", "expired", "not yet valid", "wrong audience",
        "wrong issuer", "alg none", "unknown kid", "tampered signature", "HS/RS key confusion",
        "no sub", "empty sub", "numeric sub", "object sub", "two subs", "numeric role", "object role",
    ];

    [Theory]
    [MemberData(nameof(Attacks))]
    public async Task Attack_IsRefusedWith401AndTheResourceMetadataChallenge(string attack)
    {
        await using var stranger = await FakeOidcIssuer.StartAsync(Ct);
        string? authorization = attack switch
        {
            "no credentials" => null,
            "malformed header" => "Bearer",
            "not a bearer scheme" => $"Basic {Convert.ToBase64String(Encoding.UTF8.GetBytes("admin:admin"))}",
            "not a token" => "Bearer not.a.token",
            "expired" => Bearer(gateway.Issuer.CreateToken(AuthenticatedGatewayServer.Audience, Agent, notBefore: DateTime.UtcNow.AddHours(-2), expires: DateTime.UtcNow.AddHours(-1))),
            "not yet valid" => Bearer(gateway.Issuer.CreateToken(AuthenticatedGatewayServer.Audience, Agent, notBefore: DateTime.UtcNow.AddHours(1), expires: DateTime.UtcNow.AddHours(2))),
            "wrong audience" => Bearer(gateway.Issuer.CreateToken("someone-else", Agent)),
            "wrong issuer" => Bearer(stranger.CreateToken(AuthenticatedGatewayServer.Audience, Agent)),
            "alg none" => Bearer(gateway.Issuer.CreateUnsignedToken(AuthenticatedGatewayServer.Audience, Agent)),
            "unknown kid" => Bearer(gateway.Issuer.CreateToken(AuthenticatedGatewayServer.Audience, Agent, key: new RsaSecurityKey(System.Security.Cryptography.RSA.Create(2048)) { KeyId = "not-published" })),
            "tampered signature" => Bearer(FakeOidcIssuer.Tamper(gateway.TokenFor("mallory", "agent"))),
            "HS/RS key confusion" => Bearer(gateway.Issuer.CreateKeyConfusionToken(AuthenticatedGatewayServer.Audience)),
            // Validly signed by the trusted issuer, but with claims of the wrong shape.
            "no sub" => Signed(new Claim("roles", "agent")),
            "empty sub" => Signed(new Claim("sub", string.Empty), new Claim("roles", "agent")),
            "numeric sub" => Signed(new Claim("sub", "42", ClaimValueTypes.Integer), new Claim("roles", "agent")),
            "object sub" => Signed(new Claim("sub", """{"id":"mallory"}""", Microsoft.IdentityModel.JsonWebTokens.JsonClaimValueTypes.Json), new Claim("roles", "agent")),
            "two subs" => Signed(new Claim("sub", "mallory"), new Claim("sub", "alice"), new Claim("roles", "agent")),
            "numeric role" => Signed(new Claim("sub", "mallory"), new Claim("roles", "1", ClaimValueTypes.Integer)),
            "object role" => Signed(new Claim("sub", "mallory"), new Claim("roles", """{"name":"admin"}""", Microsoft.IdentityModel.JsonWebTokens.JsonClaimValueTypes.Json)),
            _ => throw new ArgumentOutOfRangeException(nameof(attack)),
        };

        using var response = await PostAsync("/mcp", Initialize, authorization);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.False(response.Headers.Contains("Mcp-Session-Id"));
        string challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Contains("Bearer", challenge, StringComparison.Ordinal);
        Assert.Contains("resource_metadata=", challenge, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SecurityAlgorithms.RsaSha256)]
    [InlineData(SecurityAlgorithms.EcdsaSha256)]
    public async Task ValidToken_IsServed(string algorithm)
    {
        string token = gateway.Issuer.CreateToken(AuthenticatedGatewayServer.Audience, Agent, algorithm);

        using var response = await PostAsync("/servers/everything/mcp", Initialize, Bearer(token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task StolenSessionId_WithoutACredential_IsRefused()
    {
        using var init = await PostAsync("/mcp", Initialize, Bearer(gateway.TokenFor("alice", "agent")));
        string session = init.Headers.GetValues("Mcp-Session-Id").Single();

        using var replay = await PostAsync("/mcp", """{"jsonrpc":"2.0","id":2,"method":"tools/list"}""", authorization: null, session);

        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
    }

    [Fact]
    public async Task KeyRotation_NewKeysAreFetched_OldKeysStopWorking()
    {
        string before = gateway.TokenFor("alice", "agent");
        using (var first = await PostAsync("/mcp", Initialize, Bearer(before)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        gateway.Issuer.RotateKeys();
        string after = gateway.TokenFor("alice", "agent");

        // The gateway refetches keys at most once per KeyRefreshInterval (1 s here), so allow it a few tries.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        HttpStatusCode status;
        do
        {
            using var response = await PostAsync("/mcp", Initialize, Bearer(after));
            status = response.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), Ct); // waiting out the refresh throttle, not a race
            }
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);

        Assert.Equal(HttpStatusCode.OK, status);
        using var stale = await PostAsync("/mcp", Initialize, Bearer(before));
        Assert.Equal(HttpStatusCode.Unauthorized, stale.StatusCode);
    }

    [Fact]
    public async Task ProtectedResourceMetadata_NamesTheIssuer()
    {
        using var http = new HttpClient();

        string document = await http.GetStringAsync(gateway.Endpoint("/.well-known/oauth-protected-resource/mcp"), Ct);

        Assert.Contains(gateway.Issuer.Issuer, document, StringComparison.Ordinal);
        Assert.Contains("authorization_servers", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthProbes_NeedNoCredentials()
    {
        using var http = new HttpClient();

        using var response = await http.GetAsync(gateway.Endpoint("/healthz/ready"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RoleNamedLikeTwoRoles_NeverGetsTheirPermissions_NorSpoilsTheRealHoldersDecision()
    {
        // The attack: one role value "admin,viewer" from a trusted issuer (no RoleMappings), against a key that
        // really holds [admin, viewer], in both orders, on the two actions only those roles grant.
        var key = await gateway.Services.GetRequiredService<ApiKeyService>().CreateAsync($"real-admin-{Guid.NewGuid():N}", ["admin", "viewer"], cancellationToken: Ct);
        string forged = gateway.TokenFor("mallory", "admin,viewer");

        var keysForgedFirst = await GetStatusAsync("/api/v1/keys", forged);
        var keysAdminAfter = await GetStatusAsync("/api/v1/keys", key.Key);
        var auditAdminFirst = await GetStatusAsync("/api/v1/audit/verify", key.Key);
        var auditForgedAfter = await GetStatusAsync("/api/v1/audit/verify", forged);
        var keysForgedAgain = await GetStatusAsync("/api/v1/keys", forged);

        Assert.Equal(HttpStatusCode.Forbidden, keysForgedFirst);
        Assert.Equal(HttpStatusCode.OK, keysAdminAfter);
        Assert.Equal(HttpStatusCode.OK, auditAdminFirst);
        Assert.Equal(HttpStatusCode.Forbidden, auditForgedAfter);
        Assert.Equal(HttpStatusCode.Forbidden, keysForgedAgain);
    }

    [Fact]
    public async Task UnknownRoleValues_AreDropped_KnownOnesKept()
    {
        string token = gateway.TokenFor("mixed", "no-such-role", "viewer");

        var audit = await GetStatusAsync("/api/v1/audit/verify", token);
        var keys = await GetStatusAsync("/api/v1/keys", token);

        Assert.Equal(HttpStatusCode.OK, audit);
        Assert.Equal(HttpStatusCode.Forbidden, keys);
    }

    private static Claim[] Agent => [new("sub", "mallory"), new("roles", "agent")];

    private string Signed(params Claim[] claims) => Bearer(gateway.Issuer.CreateToken(AuthenticatedGatewayServer.Audience, claims));

    private async Task<HttpStatusCode> GetStatusAsync(string path, string token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, gateway.Endpoint(path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request, Ct);
        return response.StatusCode;
    }

    private static string Bearer(string token) => $"Bearer {token}";

    private async Task<HttpResponseMessage> PostAsync(string path, string body, string? authorization, string? session = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint(path)) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (session is not null)
        {
            request.Headers.Add("Mcp-Session-Id", session);
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        }

        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
    }
}
