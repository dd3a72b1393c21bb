using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary>
/// <c>/api/v1/servers</c> with a stdio command: the gateway runs it as its own user, so saying what it runs needs
/// <c>admin:commands</c> besides <c>admin:servers</c>. The operator role manages HTTP servers, never commands.
/// Every server here is registered disabled: nothing is started or connected to.
/// </summary>
public sealed class ServerCommandPermissionTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Operator_RegisteringAStdioServer_Is403NamingAdminCommands_Audited_AndNothingIsStored()
    {
        var operatorKey = await gateway.CreateKeyAsync("operator");
        using var client = gateway.Client(operatorKey.Key);
        string name = Unique("rce");

        using var response = await client.PostAsJsonAsync("/api/v1/servers", new { name, command = "/bin/sh", args = new[] { "-c", "id" }, enabled = false }, Ct);
        var problem = await ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Permission denied", problem.GetProperty("title").GetString());
        Assert.Contains("admin:commands", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(await gateway.Services.GetRequiredService<IServerStore>().GetAsync(name, Ct));
        var refused = Assert.Single(await AuditAsync(new AuditQuery(Actor: operatorKey.Info.Principal, Outcome: "denied")));
        Assert.Equal("POST /api/v1/servers", refused.Action);
    }

    [Fact]
    public async Task Operator_ManagesAnHttpServer_ButCannotGiveItACommand()
    {
        var operatorKey = await gateway.CreateKeyAsync("operator");
        using var client = gateway.Client(operatorKey.Key);
        string name = Unique("web");

        using var added = await client.PostAsJsonAsync("/api/v1/servers", new { name, url = "http://127.0.0.1:9/mcp", enabled = false }, Ct);
        using var described = await client.PatchAsJsonAsync($"/api/v1/servers/{name}", new { description = "Wiki" }, Ct);
        using var toStdio = await client.PatchAsJsonAsync($"/api/v1/servers/{name}", new { command = "/bin/sh" }, Ct);
        using var removed = await client.DeleteAsync(new Uri($"/api/v1/servers/{name}", UriKind.Relative), Ct);

        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal(HttpStatusCode.OK, described.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, toStdio.StatusCode);
        Assert.Contains("admin:commands", (await ReadJsonAsync(toStdio)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
    }

    [Theory]
    [InlineData("""{"command":"/usr/bin/env"}""")]
    [InlineData("""{"args":["-c","id"]}""")]
    [InlineData("""{"env":{"LD_PRELOAD":"/tmp/x.so"}}""")]
    [InlineData("""{"workingDirectory":"/tmp"}""")]
    public async Task Operator_ChangingWhatAStdioServerRuns_Is403_ItsOtherSettingsAreNot(string change)
    {
        string name = await AddStdioServerAsAdminAsync();
        var operatorKey = await gateway.CreateKeyAsync("operator");
        using var client = gateway.Client(operatorKey.Key);

        using var refused = await client.PatchAsync(new Uri($"/api/v1/servers/{name}", UriKind.Relative), Json(change), Ct);
        using var described = await client.PatchAsJsonAsync($"/api/v1/servers/{name}", new { description = "Still runs what the administrator said" }, Ct);
        var stored = await ServerAsync(name);

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, described.StatusCode);
        Assert.Equal("/bin/sh", stored.GetProperty("command").GetString());
        Assert.Equal(["-c", "echo served"], stored.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
    }

    [Fact]
    public async Task Admin_RegistersAStdioServer_AndTheAuditRecordsItsArguments_NotItsEnvironmentValues()
    {
        string name = await AddStdioServerAsAdminAsync();
        using var admin = gateway.Client();

        using var edited = await admin.PatchAsJsonAsync($"/api/v1/servers/{name}", new { args = new[] { "-c", "echo edited" } }, Ct);
        var addedEvent = Assert.Single(await AuditAsync(new AuditQuery(Action: "servers.add", Target: name)));
        var editedEvent = Assert.Single(await AuditAsync(new AuditQuery(Action: "servers.edit", Target: name)));

        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var details = JsonDocument.Parse(addedEvent.Details!).RootElement;
        Assert.Equal("/bin/sh", details.GetProperty("endpoint").GetString());
        Assert.Equal(["-c", "echo served"], details.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(["TOKEN"], details.GetProperty("env").EnumerateArray().Select(a => a.GetString()));
        Assert.DoesNotContain("s3cret-value", addedEvent.Details, StringComparison.Ordinal);
        Assert.Equal(["-c", "echo edited"], JsonDocument.Parse(editedEvent.Details!).RootElement.GetProperty("args").EnumerateArray().Select(a => a.GetString()));
    }

    private async Task<string> AddStdioServerAsAdminAsync()
    {
        string name = Unique("cmd");
        using var admin = gateway.Client();
        using var added = await admin.PostAsJsonAsync(
            "/api/v1/servers",
            new { name, command = "/bin/sh", args = new[] { "-c", "echo served" }, env = new Dictionary<string, string> { ["TOKEN"] = "s3cret-value" }, enabled = false },
            Ct);
        Assert.True(added.StatusCode == HttpStatusCode.Created, await added.Content.ReadAsStringAsync(Ct));
        return name;
    }

    private async Task<JsonElement> ServerAsync(string name)
    {
        using var admin = gateway.Client();
        using var response = await admin.GetAsync(new Uri($"/api/v1/servers/{name}", UriKind.Relative), Ct);
        return await ReadJsonAsync(response);
    }

    private Task<IReadOnlyList<AuditEvent>> AuditAsync(AuditQuery query) =>
        gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(query, Ct);

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..20];
}
