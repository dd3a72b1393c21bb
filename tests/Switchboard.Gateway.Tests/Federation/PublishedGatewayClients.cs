using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using Switchboard.Gateway.Tests.Interop;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>How the federation tests talk to the published gateway: the SDK client, or one raw JSON-RPC POST, as the administrator.</summary>
internal static class PublishedGatewayClients
{
    /// <summary>
    /// Connects the C# SDK client; <paramref name="protocolVersion"/> null lets the client pick (the newest,
    /// sessionless).
    /// </summary>
    public static Task<McpClient> ConnectAsync(this PublishedGateway gateway, string path, string? protocolVersion)
    {
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = gateway.Endpoint(path),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["Authorization"] = $"Bearer {gateway.AdminKey}" },
        });
        return McpClient.CreateAsync(transport, new McpClientOptions { ProtocolVersion = protocolVersion }, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>A POST of one JSON-RPC <paramref name="message"/> to <paramref name="path"/> at <paramref name="protocolVersion"/>, in <paramref name="sessionId"/> if given.</summary>
    public static HttpRequestMessage Post(this PublishedGateway gateway, string path, JsonObject message, string protocolVersion, string? sessionId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint(path)) { Content = new StringContent(message.ToJsonString(), Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", protocolVersion);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", gateway.AdminKey);
        if (sessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", sessionId);
        }

        return request;
    }

    /// <summary>Opens a session with raw POSTs (initialize, then notifications/initialized) and returns its id; no GET stream is opened.</summary>
    public static async Task<string> InitializeSessionAsync(this PublishedGateway gateway, HttpClient http, string protocolVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        var initialize = Request(1, "initialize", new JsonObject
        {
            ["protocolVersion"] = protocolVersion,
            ["capabilities"] = new JsonObject(),
            ["clientInfo"] = new JsonObject { ["name"] = "federation-tests", ["version"] = "1" },
        });
        using var request = gateway.Post("/mcp", initialize, protocolVersion);
        using var response = await http.SendAsync(request, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string session = Assert.Single(response.Headers.GetValues("Mcp-Session-Id"));

        using var initialized = gateway.Post("/mcp", Notification("notifications/initialized", new JsonObject()), protocolVersion, session);
        using var accepted = await http.SendAsync(initialized, ct);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        return session;
    }

    public static JsonObject Request(int id, string method, JsonObject parameters) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters };

    public static JsonObject Notification(string method, JsonObject parameters) =>
        new() { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters };
}
