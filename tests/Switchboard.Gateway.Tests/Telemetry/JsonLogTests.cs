using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Telemetry;

/// <summary>
/// The published gateway logging as the container image makes it (<c>Logging__Console__FormatterName=json</c>), at
/// Debug for Switchboard's own categories: every line is one JSON object a log shipper can parse, lines written while a
/// request runs carry its trace id, and none of the secrets the test made (keys, tokens, argument values) is in them.
/// </summary>
public sealed class JsonLogTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _workingDirectory = Directory.CreateTempSubdirectory("switchboard-logs-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_workingDirectory, recursive: true);

    [Fact]
    public async Task JsonLogs_AreOneObjectPerLine_WithTraceIds_AndNoSecrets()
    {
        string adminKey = ApiKeyFormat.Generate().Key;
        List<string> secrets = [adminKey];
        await using var gateway = await GatewayProcess.StartAsync(
            [$"--Identity:BootstrapAdminKey={adminKey}", $"--Storage:DataDirectory={_workingDirectory}", "--Audit:CaptureArguments=true"],
            _workingDirectory,
            Timeout,
            new Dictionary<string, string> { ["Logging__Console__FormatterName"] = "json", ["Logging__LogLevel__Switchboard"] = "Debug" });
        using var http = new HttpClient { BaseAddress = new Uri(gateway.Url) };

        // A key with a role that may call no tool, and a service token exchanged for it.
        string agentKey = await CreateKeyAsync(http, adminKey, "viewer");
        secrets.Add(agentKey);
        string token = await ExchangeAsync(http, agentKey);
        secrets.Add(token);

        // Secret-looking arguments, allowed and refused; credentials wrong, forged, and revoked.
        string hmacKey = $"hmac-secret-{Guid.NewGuid():N}";
        string message = $"password={Guid.NewGuid():N}";
        secrets.AddRange([hmacKey, message]);
        var arguments = new JsonObject { ["name"] = "utilities__hmac", ["arguments"] = new JsonObject { ["key"] = hmacKey, ["message"] = message } };
        Assert.Equal(HttpStatusCode.OK, (await gateway.RequestAsync(adminKey, "tools/call", (JsonObject)arguments.DeepClone(), Ct)).Status);
        Assert.Equal(HttpStatusCode.OK, (await gateway.RequestAsync(agentKey, "tools/call", (JsonObject)arguments.DeepClone(), Ct)).Status);
        Assert.Equal(HttpStatusCode.OK, (await gateway.RequestAsync(token, "tools/call", (JsonObject)arguments.DeepClone(), Ct)).Status);
        string forged = ApiKeyFormat.Generate().Key;
        secrets.Add(forged);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.RequestAsync(forged, "tools/list", cancellationToken: Ct)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await gateway.RequestAsync(token + "x", "tools/list", cancellationToken: Ct)).Status);
        await RevokeAllButAdminAsync(http, adminKey);
        await Poll.UntilAsync(async () => (await gateway.RequestAsync(agentKey, "tools/list", cancellationToken: Ct)).Status == HttpStatusCode.Unauthorized, Timeout, "the revoked key still works");

        await gateway.SignalAsync("TERM");
        Assert.Equal(0, await gateway.WaitForExitAsync(Timeout));
        string[] lines = gateway.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.NotEmpty(lines);
        foreach (string secret in secrets)
        {
            // Keys are also checked without their public prefix: the secret part alone must not appear either.
            string secretPart = secret.StartsWith("sbk_", StringComparison.Ordinal) ? secret.Split('_')[2] : secret;
            Assert.DoesNotContain(lines, l => l.Contains(secretPart, StringComparison.Ordinal));
        }

        var entries = lines.Select(ParseEntry).ToList();
        // A refusal is logged while its request runs: the line joins the request's trace.
        var refusals = entries.Where(e => e["Category"]!.GetValue<string>() == "Switchboard.Access.AccessGuard" && e["EventId"]!.GetValue<int>() == 2011).ToList();
        Assert.NotEmpty(refusals);
        Assert.All(refusals, e => Assert.Matches("^[0-9a-f]{32}$", TraceId(e) ?? ""));
    }

    private static JsonObject ParseEntry(string line)
    {
        var entry = Assert.IsType<JsonObject>(JsonNode.Parse(line), exactMatch: false);
        foreach (string field in new[] { "Timestamp", "LogLevel", "Category", "Message", "EventId" })
        {
            Assert.True(entry.ContainsKey(field), $"'{field}' missing in: {line}");
        }

        Assert.True(DateTimeOffset.TryParse(entry["Timestamp"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out _), line);
        return entry;
    }

    private static string? TraceId(JsonObject entry) =>
        entry["Scopes"] is JsonArray scopes ? scopes.OfType<JsonObject>().Select(s => s["TraceId"]?.GetValue<string>()).FirstOrDefault(t => t is not null) : null;

    private static async Task<string> CreateKeyAsync(HttpClient http, string adminKey, string role)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/keys") { Content = JsonContent.Create(new { name = $"logs-{Guid.NewGuid():N}", roles = new[] { role } }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return body.RootElement.GetProperty("key").GetString()!;
    }

    private static async Task<string> ExchangeAsync(HttpClient http, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tokens") { Content = JsonContent.Create(new { }) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return body.RootElement.GetProperty("access_token").GetString()!;
    }

    private static async Task RevokeAllButAdminAsync(HttpClient http, string adminKey)
    {
        using var list = new HttpRequestMessage(HttpMethod.Get, "/api/v1/keys");
        list.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
        using var listed = await http.SendAsync(list, Ct);
        using var keys = JsonDocument.Parse(await listed.Content.ReadAsStringAsync(Ct));
        foreach (var key in keys.RootElement.EnumerateArray().Where(k => k.GetProperty("name").GetString()!.StartsWith("logs-", StringComparison.Ordinal)))
        {
            using var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/keys/{key.GetProperty("id").GetString()}");
            revoke.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
            using var revoked = await http.SendAsync(revoke, Ct);
            Assert.True(revoked.IsSuccessStatusCode, $"revoking answered {(int)revoked.StatusCode}");
        }
    }
}
