using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Interop;

/// <summary>Every protocol revision the published gateway accepts is named in the README, and each one with a handshake works.</summary>
public sealed class ProtocolRevisionTests
{
    // The first revision without the initialize handshake: it and later ones are served per request.
    private const string FirstSessionlessRevision = "2026-07-28";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The handshake revisions: a client opens a session with initialize in one of them.
    private static readonly string[] SessionRevisions = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"];

    [Fact]
    public async Task EveryAcceptedRevision_IsInTheReadme_AndInitializeWithEachSessionRevisionIsAnsweredWithIt()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var http = new HttpClient();

        // A sessionless request in a revision the gateway does not speak is refused with the ones it does, the
        // same list server/discover gives; the older ones are reached through initialize.
        using var refused = await SendAsync(http, gateway, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "tools/list" }, "1999-01-01");
        string[] sessionless = [.. refused.RootElement.GetProperty("error").GetProperty("data").GetProperty("supported").EnumerateArray().Select(v => v.GetString()!)];
        string readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"), Ct);

        Assert.Equal([FirstSessionlessRevision], sessionless);
        Assert.All([.. sessionless, .. SessionRevisions], version => Assert.Contains($"`{version}`", readme, StringComparison.Ordinal));
        foreach (string version in SessionRevisions)
        {
            using var answer = await SendAsync(http, gateway, Initialize(version), protocolVersionHeader: null);
            Assert.Equal(version, answer.RootElement.GetProperty("result").GetProperty("protocolVersion").GetString());
        }
    }

    private static JsonObject Initialize(string version) => new()
    {
        ["jsonrpc"] = "2.0",
        ["id"] = 1,
        ["method"] = "initialize",
        ["params"] = new JsonObject { ["protocolVersion"] = version, ["capabilities"] = new JsonObject(), ["clientInfo"] = new JsonObject { ["name"] = "revision-test", ["version"] = "1" } },
    };

    // One JSON-RPC message to /mcp and its answer, which comes as JSON or as one server-sent event.
    private static async Task<JsonDocument> SendAsync(HttpClient http, PublishedGateway gateway, JsonObject message, string? protocolVersionHeader)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("/mcp")) { Content = JsonContent.Create(message) };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);
        if (protocolVersionHeader is not null)
        {
            request.Headers.Add("MCP-Protocol-Version", protocolVersionHeader);
        }

        using var response = await http.SendAsync(request, Ct);
        string text = await response.Content.ReadAsStringAsync(Ct);
        string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? string.Concat(text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()))
            : text;
        return JsonDocument.Parse(json);
    }
}
