using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ModelContextProtocol;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary><c>POST /api/v1/tokens</c>: short-lived service tokens that narrow a key and die with it.</summary>
public sealed class ServiceTokenTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Token_ActsForTheKeysPrincipal_WithTheNarrowedRoles_AndIsAudited()
    {
        var key = await gateway.CreateKeyAsync("agent", "viewer");
        using var asKey = gateway.Client(key.Key);

        using var issued = await asKey.PostAsJsonAsync("/api/v1/tokens", new { roles = new[] { "viewer" }, lifetimeSeconds = 120 }, Ct);
        var body = await ReadJsonAsync(issued);
        string token = body.GetProperty("access_token").GetString()!;
        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: token);
        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        var refused = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("utilities__uuid_v4", cancellationToken: Ct));
        var audited = await gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Actor: key.Info.Principal, Action: "tools/call"), Ct);

        Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        Assert.Equal(120, body.GetProperty("expires_in").GetInt32());
        Assert.Equal(3, token.Split('.').Length);
        Assert.Empty(tools); // viewer: no tools, although the key itself is also an agent
        Assert.Equal(SwitchboardErrorCodes.PermissionDenied, refused.ErrorCode);
        Assert.Equal("denied", Assert.Single(audited).Outcome);
    }

    [Fact]
    public async Task Token_StopsWorkingWhenItsKeyIsRevoked()
    {
        var key = await gateway.CreateKeyAsync("viewer");
        string token = await IssueAsync(key.Key);
        Assert.Equal(HttpStatusCode.OK, await VerifyStatusAsync(token));

        await gateway.Services.GetRequiredService<ApiKeyService>().RevokeAsync(key.Info.Id, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, await VerifyStatusAsync(token));
    }

    [Fact]
    public async Task TamperedForgedOrAlgNoneTokens_AreRefused()
    {
        var key = await gateway.CreateKeyAsync("viewer");
        string token = await IssueAsync(key.Key);
        var parts = token.Split('.');
        string payload = Encoding.UTF8.GetString(Microsoft.IdentityModel.Tokens.Base64UrlEncoder.DecodeBytes(parts[1]));
        string escalated = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode(payload.Replace("\"viewer\"", "\"admin\"", StringComparison.Ordinal));
        string none = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");

        Assert.Equal(HttpStatusCode.Unauthorized, await VerifyStatusAsync($"{parts[0]}.{escalated}.{parts[2]}"));
        Assert.Equal(HttpStatusCode.Unauthorized, await VerifyStatusAsync($"{none}.{escalated}."));
        Assert.Equal(HttpStatusCode.Unauthorized, await VerifyStatusAsync($"{parts[0]}.{parts[1]}.{parts[2][..^4]}AAAA"));
    }

    public static TheoryData<string, HttpStatusCode> Defects() => new()
    {
        { "none", HttpStatusCode.OK },
        { "no sub", HttpStatusCode.Unauthorized },
        { "empty sub", HttpStatusCode.Unauthorized },
        { "blank sub", HttpStatusCode.Unauthorized },
        { "numeric sub", HttpStatusCode.Unauthorized },
        { "object sub", HttpStatusCode.Unauthorized },
        { "null sub", HttpStatusCode.Unauthorized },
        { "two subs", HttpStatusCode.Unauthorized },
        { "no roles", HttpStatusCode.Unauthorized },
        { "empty roles", HttpStatusCode.Unauthorized },
        { "numeric role", HttpStatusCode.Unauthorized },
        { "object roles", HttpStatusCode.Unauthorized },
        { "no key", HttpStatusCode.Unauthorized },
        { "numeric key", HttpStatusCode.Unauthorized },
        { "unknown key", HttpStatusCode.Unauthorized },
        { "no expiry", HttpStatusCode.Unauthorized },
        { "expired", HttpStatusCode.Unauthorized },
        { "not yet valid", HttpStatusCode.Unauthorized },
        { "wrong audience", HttpStatusCode.Unauthorized },
        { "no audience", HttpStatusCode.Unauthorized },
        { "wrong issuer", HttpStatusCode.Unauthorized },
        { "alg none", HttpStatusCode.Unauthorized },
        { "signed with another secret", HttpStatusCode.Unauthorized },
        { "garbage", HttpStatusCode.Unauthorized },
        { "garbage with our issuer", HttpStatusCode.Unauthorized },
    };

    // Tokens signed with the gateway's real secret, so only the defect under test can make them fail.
    [Theory]
    [MemberData(nameof(Defects))]
    public async Task SignedTokenWithADefect_Is401NeverA500(string defect, HttpStatusCode expected)
    {
        var key = await gateway.CreateKeyAsync("viewer");
        await IssueAsync(key.Key); // the first token makes the signing secret
        var secret = (await gateway.Services.GetRequiredService<ISigningKeyStore>().ListAsync(Ct))[0];
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new JsonObject
        {
            ["iss"] = ServiceTokenService.Issuer,
            ["aud"] = ServiceTokenService.Issuer,
            ["sub"] = key.Info.Principal,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["kp"] = key.Info.Prefix,
            ["roles"] = new JsonArray("viewer"),
            ["iat"] = now - 60,
            ["nbf"] = now - 60,
            ["exp"] = now + 600,
        };
        switch (defect)
        {
            case "no sub": claims.Remove("sub"); break;
            case "empty sub": claims["sub"] = string.Empty; break;
            case "blank sub": claims["sub"] = " "; break;
            case "numeric sub": claims["sub"] = 42; break;
            case "object sub": claims["sub"] = new JsonObject { ["name"] = key.Info.Principal }; break;
            case "null sub": claims["sub"] = null; break;
            case "two subs": claims["sub"] = new JsonArray(key.Info.Principal, "someone-else"); break;
            case "no roles": claims.Remove("roles"); break;
            case "empty roles": claims["roles"] = new JsonArray(); break;
            case "numeric role": claims["roles"] = new JsonArray(7); break;
            case "object roles": claims["roles"] = new JsonObject { ["viewer"] = true }; break;
            case "no key": claims.Remove("kp"); break;
            case "numeric key": claims["kp"] = 12345; break;
            case "unknown key": claims["kp"] = ApiKeyFormat.Generate().Prefix; break;
            case "no expiry": claims.Remove("exp"); break;
            case "expired": (claims["nbf"], claims["exp"]) = (now - 7200, now - 3600); break;
            case "not yet valid": (claims["nbf"], claims["exp"]) = (now + 3600, now + 7200); break;
            case "wrong audience": claims["aud"] = "urn:someone-else"; break;
            case "no audience": claims.Remove("aud"); break;
            case "wrong issuer": claims["iss"] = "urn:someone-else"; break;
        }

        var signing = new SigningCredentials(
            new SymmetricSecurityKey(defect == "signed with another secret" ? RandomNumberGenerator.GetBytes(32) : Convert.FromBase64String(secret.Secret)) { KeyId = secret.Id },
            SecurityAlgorithms.HmacSha256);
        string token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(claims.ToJsonString(), signing);
        string none = Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        token = defect switch
        {
            "alg none" => $"{none}.{token.Split('.')[1]}.",
            "garbage" => "eyJhbGciOi.not-base64!.x",
            "garbage with our issuer" => $"{token.Split('.')[0]}.{Base64UrlEncoder.Encode("""{"iss":"urn:switchboard","exp":"soon"}""")}.{token.Split('.')[2]}",
            _ => token,
        };

        Assert.Equal(expected, await VerifyStatusAsync(token));
    }

    [Fact]
    public async Task ATokenCannotMintATokenNorWidenTheKey()
    {
        var key = await gateway.CreateKeyAsync("viewer");
        string token = await IssueAsync(key.Key);
        using var asToken = gateway.Client(token);
        using var asKey = gateway.Client(key.Key);

        using var fromToken = await asToken.PostAsJsonAsync("/api/v1/tokens", new { }, Ct);
        using var widened = await asKey.PostAsJsonAsync("/api/v1/tokens", new { roles = new[] { "admin" } }, Ct);
        using var tooLong = await asKey.PostAsJsonAsync("/api/v1/tokens", new { lifetimeSeconds = 86_400 }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, fromToken.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, widened.StatusCode);
        Assert.Contains("only narrow", (await ReadJsonAsync(widened)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, tooLong.StatusCode);
    }

    private async Task<string> IssueAsync(string key)
    {
        using var client = gateway.Client(key);
        using var response = await client.PostAsync(new Uri("/api/v1/tokens", UriKind.Relative), null, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await ReadJsonAsync(response)).GetProperty("access_token").GetString()!;
    }

    private async Task<HttpStatusCode> VerifyStatusAsync(string token)
    {
        using var client = gateway.Client(token);
        using var response = await client.GetAsync(new Uri("/api/v1/audit/verify", UriKind.Relative), Ct);
        return response.StatusCode;
    }
}
