using System.Net;
using System.Text;
using static Switchboard.Gateway.Tests.Api.AdminApiServer;

namespace Switchboard.Gateway.Tests.Api;

/// <summary>
/// Admin API bodies are read strictly: a misspelt, repeated or wrongly typed member is a 400 whose detail names the
/// member and what it must be, never dropped silently (probe D8, D13).
/// </summary>
public sealed class StrictBodyTests(AdminApiServer gateway) : IClassFixture<AdminApiServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("""{"role": ["viewer"]}""", "'role' is not a member of this request; the members are: roles, lifetimeSeconds.")]
    [InlineData("""{"Roles": ["viewer"]}""", "'Roles' is not a member of this request")]
    [InlineData("""{"roles": []}""", "'roles' is empty")]
    [InlineData("""{"roles": ["viewer"], "roles": ["agent"]}""", "The member 'roles' is given more than once")]
    [InlineData("""{"lifetimeSeconds": 1.5}""", "'lifetimeSeconds' must be a whole number.")]
    [InlineData("""{"roles": "viewer"}""", "'roles' must be a list of strings.")]
    [InlineData("""{"roles": ["viewer", 1]}""", "'roles[1]' must be a string.")]
    [InlineData("""["viewer"]""", "The body must be an object with the members roles, lifetimeSeconds.")]
    public async Task Token_BodyThatWouldNotNarrowAsAsked_IsRefusedSayingWhy(string body, string detail)
    {
        var key = await gateway.CreateKeyAsync("agent", "viewer");
        using var asKey = gateway.Client(key.Key);

        using var response = await PostAsync(asKey, "/api/v1/tokens", body);

        await AssertBadRequestAsync(response, detail);
    }

    [Theory]
    [InlineData("""{"name": "expiring", "roles": ["viewer"], "expires": "2030-01-01T00:00:00Z"}""", "'expires' is not a member of this request; the members are: name, roles, expiresAt.")]
    [InlineData("""{"name": "twice", "name": "other", "roles": ["viewer"]}""", "The member 'name' is given more than once")]
    [InlineData("""{"name": 5, "roles": ["viewer"]}""", "'name' must be a string.")]
    [InlineData("""{"name": "when", "roles": ["viewer"], "expiresAt": "soon"}""", "'expiresAt' must be a date and time such as \"2026-12-01T00:00:00Z\".")]
    [InlineData("""{"name": "broken", "roles": ["viewer"],}""", "The request body is not valid JSON")]
    public async Task Key_BodyThatWouldMakeAnotherKey_IsRefusedAndNoKeyIsMade(string body, string detail)
    {
        using var admin = gateway.Client();

        using var response = await PostAsync(admin, "/api/v1/keys", body);
        string keys = await admin.GetStringAsync(new Uri("/api/v1/keys", UriKind.Relative), Ct);

        await AssertBadRequestAsync(response, detail);
        Assert.DoesNotContain("\"expiring\"", keys, StringComparison.Ordinal);
        Assert.DoesNotContain("\"twice\"", keys, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/v1/runs/nope/approvals", """{}""", "'step' and 'approved' are required")]
    [InlineData("/api/v1/runs/nope/approvals", """{"step": "approve"}""", "'step' and 'approved' are required")]
    [InlineData("/api/v1/runs/nope/approvals", """{"step": 5, "approved": true}""", "'step' must be a string.")]
    [InlineData("/api/v1/runs/nope/approvals", """{"step": "approve", "approved": "yes"}""", "'approved' must be true or false.")]
    [InlineData("/api/v1/runs", """{"workflow": "w", "inputs": {"a": 1, "a": 2}}""", "The member 'inputs.a' is given more than once")]
    [InlineData("/api/v1/runs", """{"workflow": "w", "input": {"a": 1}}""", "'input' is not a member of this request; the members are: workflow, version, inputs.")]
    [InlineData("/api/v1/servers", """{"name": "wiki", "url": "http://127.0.0.1:1/mcp", "tools": {"hide": ["a"], "rename": {}, "hid": []}}""", "'tools.hid' is not a member of 'tools'; the members are: rename, hide.")]
    [InlineData("/api/v1/servers", """{"name": "wiki", "url": "http://127.0.0.1:1/mcp", "pinning": "always"}""", "'pinning' must be one of \"pin\", \"warn\", \"off\".")]
    [InlineData("/api/v1/keys", "null", "Send the request as a JSON object in the body")]
    public async Task OtherBodies_AreReadAsStrictly(string path, string body, string detail)
    {
        using var admin = gateway.Client();

        using var response = await PostAsync(admin, path, body);

        await AssertBadRequestAsync(response, detail);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string body) =>
        await http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"), Ct);

    private static async Task AssertBadRequestAsync(HttpResponseMessage response, string detail)
    {
        var problem = await ReadJsonAsync(response);
        string text = problem.GetProperty("detail").GetString()!;
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {problem}");
        Assert.Contains(detail, text, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Request", text, StringComparison.Ordinal); // no .NET parameter type (TokenRequest, ApprovalRequest)
    }
}
