using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Interop;

/// <summary>Every protocol revision the SDK accepts is accepted by the published gateway, and the README names each.</summary>
public sealed class ProtocolRevisionTests
{
    [Fact]
    public async Task Readme_NamesEveryRevisionTheSdkAccepts()
    {
        string readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"), TestContext.Current.CancellationToken);

        Assert.All(McpProtocolVersions.SupportedProtocolVersions, version => Assert.Contains($"`{version}`", readme, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Initialize_WithEverySessionRevision_IsAnsweredWithThatRevision()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var http = new HttpClient();
        // 2026-07-28 and later have no initialize: the TypeScript and conformance suites cover them.
        foreach (string version in McpProtocolVersions.SupportedProtocolVersions.Where(v => !McpProtocolVersions.IsJuly2026OrLaterProtocolVersion(v)))
        {
            Assert.Equal(version, await InitializeAsync(http, gateway, version));
        }
    }

    private static async Task<string?> InitializeAsync(HttpClient http, PublishedGateway gateway, string version)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("/mcp"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = 1,
                ["method"] = "initialize",
                ["params"] = new JsonObject { ["protocolVersion"] = version, ["capabilities"] = new JsonObject(), ["clientInfo"] = new JsonObject { ["name"] = "revision-test", ["version"] = "1" } },
            }),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);

        using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
        string text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? string.Concat(text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()))
            : text;

        Assert.True(response.IsSuccessStatusCode, text);
        using var answer = JsonDocument.Parse(json);
        return answer.RootElement.GetProperty("result").GetProperty("protocolVersion").GetString();
    }
}
