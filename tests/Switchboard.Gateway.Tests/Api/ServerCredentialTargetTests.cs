using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Gateway.Servers;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary>
/// A stored server's headers are credentials that whoever manages servers cannot read: an edit must not send them to
/// another host unless it gives them again, and a URL cannot carry credentials of its own (they would be stored in
/// plain text and never sent). Every server here is registered disabled: nothing is connected to.
/// </summary>
public sealed class ServerCredentialTargetTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("http://attacker.example/mcp")]
    [InlineData("https://127.0.0.1:9/mcp")]
    [InlineData("http://127.0.0.1:10/mcp")]
    public async Task Operator_MovingAServerWithHeadersToAnotherOrigin_Is400_AndTheHeadersStayWhereTheyWere(string url)
    {
        string name = await AddWithHeadersAsync();
        var operatorKey = await gateway.CreateKeyAsync("operator");
        using var client = gateway.Client(operatorKey.Key);

        using var moved = await client.PatchAsJsonAsync($"/api/v1/servers/{name}", new { url }, Ct);
        string detail = (await ReadJsonAsync(moved)).GetProperty("detail").GetString()!;

        Assert.Equal(HttpStatusCode.BadRequest, moved.StatusCode);
        Assert.Contains("give 'headers' again", detail, StringComparison.Ordinal);
        Assert.Contains("Authorization", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("UPSTREAMSECRET", detail, StringComparison.Ordinal);
        var stored = await StoredAsync(name);
        Assert.Equal("http://127.0.0.1:9/mcp", stored.Url!.AbsoluteUri);
        Assert.Equal("Bearer UPSTREAMSECRET", stored.Headers["Authorization"]);
    }

    [Fact]
    public async Task Operator_MovingAServerWithinItsOrigin_KeepsItsHeaders()
    {
        string name = await AddWithHeadersAsync();
        var operatorKey = await gateway.CreateKeyAsync("operator");
        using var client = gateway.Client(operatorKey.Key);

        using var moved = await client.PatchAsJsonAsync($"/api/v1/servers/{name}", new { url = "http://127.0.0.1:9/other/mcp?x=1" }, Ct);

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var stored = await StoredAsync(name);
        Assert.Equal("http://127.0.0.1:9/other/mcp?x=1", stored.Url!.AbsoluteUri);
        Assert.Equal("Bearer UPSTREAMSECRET", stored.Headers["Authorization"]);
    }

    [Fact]
    public async Task Operator_MovingAServerToAnotherOrigin_WithNewOrNoHeaders_IsAllowed()
    {
        string replaced = await AddWithHeadersAsync(), cleared = await AddWithHeadersAsync();
        var operatorKey = await gateway.CreateKeyAsync("operator");
        using var client = gateway.Client(operatorKey.Key);

        using var withNew = await client.PatchAsJsonAsync(
            $"/api/v1/servers/{replaced}", new { url = "http://elsewhere.example/mcp", headers = new Dictionary<string, string> { ["Authorization"] = "Bearer mine" } }, Ct);
        using var withNone = await client.PatchAsJsonAsync(
            $"/api/v1/servers/{cleared}", new { url = "http://elsewhere.example/mcp", headers = new Dictionary<string, string>() }, Ct);

        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withNone.StatusCode);
        Assert.Equal("Bearer mine", (await StoredAsync(replaced)).Headers["Authorization"]);
        Assert.Empty((await StoredAsync(cleared)).Headers);
    }

    [Fact]
    public async Task Registering_AUrlWithUserInformation_Is400SayingToUseHeaders_AndNothingIsStored()
    {
        string name = Unique("userinfo");
        using var admin = gateway.Client();

        using var added = await admin.PostAsJsonAsync("/api/v1/servers", new { name, url = "http://someone:pa55word@127.0.0.1:9/mcp", enabled = false }, Ct);
        string detail = (await ReadJsonAsync(added)).GetProperty("detail").GetString()!;

        Assert.Equal(HttpStatusCode.BadRequest, added.StatusCode);
        Assert.Contains("'headers'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("pa55word", detail, StringComparison.Ordinal);
        Assert.Null(await gateway.Services.GetRequiredService<ServerRegistrations>().GetAsync(name, Ct));

        string existing = await AddWithHeadersAsync();
        using var edited = await admin.PatchAsJsonAsync($"/api/v1/servers/{existing}", new { url = "http://someone:pa55word@127.0.0.1:9/mcp" }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, edited.StatusCode);
    }

    private async Task<string> AddWithHeadersAsync()
    {
        string name = Unique("creds");
        using var admin = gateway.Client();
        using var added = await admin.PostAsJsonAsync(
            "/api/v1/servers",
            new { name, url = "http://127.0.0.1:9/mcp", headers = new Dictionary<string, string> { ["Authorization"] = "Bearer UPSTREAMSECRET" }, enabled = false },
            Ct);
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync(Ct));
        return name;
    }

    private async Task<Switchboard.Upstreams.UpstreamOptions> StoredAsync(string name)
    {
        var registrations = gateway.Services.GetRequiredService<ServerRegistrations>();
        return registrations.OptionsOf((await registrations.GetAsync(name, Ct))!);
    }

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];
}
