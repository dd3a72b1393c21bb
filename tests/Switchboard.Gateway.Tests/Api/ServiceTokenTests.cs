using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Access;
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
        Assert.Equal(GatewayErrorCodes.Forbidden, refused.ErrorCode);
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
