using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using ModelContextProtocol;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary><c>/api/v1/roles</c>: custom roles made at run time take effect at once, and fixed roles stay fixed.</summary>
public sealed class RolesApiTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StoredRole_GrantsExactlyItsTools_AndAChangeAppliesAtOnce()
    {
        using var admin = gateway.Client();
        string role = $"uuid-{Guid.NewGuid():N}"[..20];
        using var put = await admin.PutAsJsonAsync($"/api/v1/roles/{role}", new { permissions = new[] { "tools:call utilities/uuid_*" }, description = "ids only" }, Ct);
        using var created = await admin.PostAsJsonAsync("/api/v1/keys", new { name = $"{role}-key", roles = new[] { role } }, Ct);
        string key = (await ReadJsonAsync(created)).GetProperty("key").GetString()!;

        await using var client = await gateway.ConnectAsync("/mcp", "2025-11-25", bearerToken: key);
        var before = (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).Order(StringComparer.Ordinal).ToList();
        var refused = await Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("utilities__slugify", new Dictionary<string, object?> { ["text"] = "A b" }, cancellationToken: Ct));
        using var changed = await admin.PutAsJsonAsync($"/api/v1/roles/{role}", new { permissions = new[] { "tools:call utilities/slugify" } }, Ct);
        var after = (await client.ListToolsAsync(cancellationToken: Ct)).Select(t => t.Name).ToList();
        var slug = await client.CallToolAsync("utilities__slugify", new Dictionary<string, object?> { ["text"] = "A b" }, cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(["utilities__uuid_v4", "utilities__uuid_v7"], before);
        Assert.Equal(SwitchboardErrorCodes.PermissionDenied, refused.ErrorCode);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(["utilities__slugify"], after);
        Assert.NotEqual(true, slug.IsError);
    }

    [Fact]
    public async Task List_ShowsEveryRoleWithItsSource()
    {
        using var admin = gateway.Client();
        string role = $"listed-{Guid.NewGuid():N}"[..20];
        using var put = await admin.PutAsJsonAsync($"/api/v1/roles/{role}", new { permissions = new[] { "prompts:get" } }, Ct);

        using var response = await admin.GetAsync(new Uri("/api/v1/roles", UriKind.Relative), Ct);
        var roles = (await ReadJsonAsync(response)).EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!, r => r.GetProperty("source").GetString());

        Assert.Equal("BuiltIn", roles["admin"]);
        Assert.Equal("Configuration", roles[Auditor]);
        Assert.Equal("Stored", roles[role]);
    }

    [Theory]
    [InlineData("admin", """{"permissions":["*"]}""", HttpStatusCode.Conflict, "built-in role")]
    [InlineData(Auditor, """{"permissions":["*"]}""", HttpStatusCode.Conflict, "defined in configuration")]
    [InlineData("Bad Name", """{"permissions":["*"]}""", HttpStatusCode.BadRequest, "not a valid role name")]
    [InlineData("empty", """{"permissions":[]}""", HttpStatusCode.BadRequest, "at least one permission")]
    [InlineData("garbled", """{"permissions":["tools:call a b c"]}""", HttpStatusCode.BadRequest, "tools:call a b c")]
    [InlineData("lister", """{"permissions":["tools:list financial/*"]}""", HttpStatusCode.BadRequest, "'tools:list' is not an action: use one of tools:call, resources:read, prompts:get, admin:keys, admin:audit, admin:servers, admin:roles")]
    [InlineData("trailing\n", """{"permissions":["*"]}""", HttpStatusCode.BadRequest, "not a valid role name")]
    [InlineData("trailing\r\n", """{"permissions":["*"]}""", HttpStatusCode.BadRequest, "not a valid role name")]
    public async Task Put_RefusesFixedRolesAndBadInput(string name, string json, HttpStatusCode status, string expected)
    {
        using var admin = gateway.Client();

        using var response = await admin.PutAsync(new Uri($"/api/v1/roles/{Uri.EscapeDataString(name)}", UriKind.Relative), new StringContent(json, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(status, response.StatusCode);
        Assert.Contains(expected, (await ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_RefusedWhileALiveKeyHoldsTheRole_ThenAllowed_AndAudited()
    {
        using var admin = gateway.Client();
        string role = $"doomed-{Guid.NewGuid():N}"[..20];
        using var put = await admin.PutAsJsonAsync($"/api/v1/roles/{role}", new { permissions = new[] { "resources:read" } }, Ct);
        var key = await gateway.CreateKeyAsync(role);

        using var whileHeld = await admin.DeleteAsync(new Uri($"/api/v1/roles/{role}", UriKind.Relative), Ct);
        await gateway.Services.GetRequiredService<ApiKeyService>().RevokeAsync(key.Info.Id, Ct);
        using var afterRevoke = await admin.DeleteAsync(new Uri($"/api/v1/roles/{role}", UriKind.Relative), Ct);
        using var again = await admin.DeleteAsync(new Uri($"/api/v1/roles/{role}", UriKind.Relative), Ct);
        var audited = await gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Actor: "admin", Limit: 1000), Ct);

        Assert.Equal(HttpStatusCode.Conflict, whileHeld.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, afterRevoke.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(["roles.put", "roles.delete"], audited.Where(e => e.Target == role).Select(e => e.Action));
    }

    [Fact]
    public async Task OnlyTheAdministratorManagesRoles()
    {
        var operatorKey = await gateway.CreateKeyAsync("operator");
        using var asOperator = gateway.Client(operatorKey.Key);

        using var response = await asOperator.PutAsJsonAsync("/api/v1/roles/sneaky", new { permissions = new[] { "*" } }, Ct);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("admin:roles", (await ReadJsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
