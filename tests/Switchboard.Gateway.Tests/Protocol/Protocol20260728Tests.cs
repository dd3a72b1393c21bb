using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Switchboard.Errors;
using Switchboard.Gateway.Tests.Identity;

namespace Switchboard.Gateway.Tests.Protocol;

/// <summary>
/// The 2026-07-28 revision through the gateway, on the aggregated <c>/mcp</c> (tools renamed <c>{server}__{name}</c>)
/// and on <c>/servers/everything/mcp</c>: SEP-2243 <c>Mcp-Param-*</c> headers, SEP-2322 input-required results,
/// SEP-2549 cache hints, the unsupported-version error, and the C# SDK client in that revision. The conformance
/// suite covers the same on the single-server endpoints (<see cref="Interop.ConformanceTests"/>); these are the
/// prefix-aware half for the aggregate, plus what the suite cannot see (another replica, roles).
/// </summary>
public sealed class Protocol20260728Tests(AuthenticatedGatewayServer gateway) : IClassFixture<AuthenticatedGatewayServer>, IDisposable
{
    private readonly HttpClient _http = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string, string> Endpoints() => new()
    {
        { "/mcp", "everything__test_custom_headers" },
        { "/servers/everything/mcp", "test_custom_headers" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task McpParamHeaders_MustMirrorTheBody_OrTheCallIs400HeaderMismatch(string path, string tool)
    {
        var arguments = new JsonObject { ["region"] = "eu-west-1", ["priority"] = 3 };
        Task<StatelessRequest.Answer> CallAsync(params (string Header, string? Value)[] headers) =>
            StatelessRequest.CallToolAsync(_http, gateway.Endpoint(path), gateway.AdminKey, tool, arguments.DeepClone().AsObject(), headers: headers.ToDictionary(h => h.Header, h => h.Value));

        var plain = await CallAsync(("Mcp-Param-Region", "eu-west-1"), ("Mcp-Param-Priority", "3"));
        var encoded = await CallAsync(("Mcp-Param-Region", $"=?base64?{Convert.ToBase64String(Encoding.UTF8.GetBytes("eu-west-1"))}?="), ("Mcp-Param-Priority", " 3 "));
        var mismatch = await CallAsync(("Mcp-Param-Region", "us-east-1"), ("Mcp-Param-Priority", "3"));
        var missing = await CallAsync(("Mcp-Param-Priority", "3"));
        var badBase64 = await CallAsync(("Mcp-Param-Region", "=?base64?ZXUtd2VzdC0x!?="), ("Mcp-Param-Priority", "3"));
        var absentFromBody = await CallAsync(("Mcp-Param-Region", "eu-west-1"), ("Mcp-Param-Priority", "3"), ("Mcp-Param-Verbose", "true"));

        Assert.All([plain, encoded], answer => Assert.Equal((HttpStatusCode.OK, null), (answer.Status, answer.ErrorCode)));
        Assert.Contains("region=eu-west-1", plain.Result.GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.All([mismatch, missing, badBase64, absentFromBody], answer => Assert.Equal((HttpStatusCode.BadRequest, -32020), (answer.Status, answer.ErrorCode)));
    }

    // The policy decides first: a caller who may not call the tool learns nothing of its header parameters.
    [Fact]
    public async Task McpParamHeaders_OfAToolTheCallerMayNotCall_AreNotChecked_TheCallIsRefusedByPolicy()
    {
        var answer = await StatelessRequest.CallToolAsync(
            _http,
            gateway.Endpoint("/mcp"),
            gateway.TokenFor($"reader-{Guid.NewGuid():N}", "reader"),
            "everything__test_custom_headers",
            new JsonObject { ["region"] = "eu-west-1" },
            headers: new Dictionary<string, string?> { ["Mcp-Param-Region"] = "us-east-1" });

        Assert.Equal((int)SwitchboardErrorCodes.PermissionDenied, answer.ErrorCode);
    }

    [Fact]
    public async Task UnsupportedVersion_IsRefusedWithTheVersionsDiscoverLists()
    {
        var discover = await StatelessRequest.SendAsync(_http, gateway.Endpoint("/mcp"), gateway.AdminKey, "server/discover");
        var refused = await StatelessRequest.SendAsync(_http, gateway.Endpoint("/mcp"), gateway.AdminKey, "server/discover", headers: new Dictionary<string, string?> { ["MCP-Protocol-Version"] = "2099-01-01" });

        string[] supported = [.. discover.Result.GetProperty("supportedVersions").EnumerateArray().Select(v => v.GetString()!)];
        var data = refused.Message.GetProperty("error").GetProperty("data");
        Assert.Equal((HttpStatusCode.BadRequest, -32022), (refused.Status, refused.ErrorCode));
        Assert.Equal(7, refused.Message.GetProperty("id").GetInt32());
        Assert.Equal(supported, data.GetProperty("supported").EnumerateArray().Select(v => v.GetString()!));
        Assert.Equal("2099-01-01", data.GetProperty("requested").GetString());
        var serverInfo = discover.Result.GetProperty("_meta").GetProperty("io.modelcontextprotocol/serverInfo");
        Assert.False(string.IsNullOrEmpty(serverInfo.GetProperty("name").GetString()));
        Assert.False(string.IsNullOrEmpty(serverInfo.GetProperty("version").GetString()));
    }

    [Fact]
    public async Task ToolsList_IsInNameOrder_WithCacheHints_AndNeverSharedAcrossCallersWhenRolesFilterIt()
    {
        var everything = await StatelessRequest.SendAsync(_http, gateway.Endpoint("/mcp"), gateway.AdminKey, "tools/list");
        var filtered = await StatelessRequest.SendAsync(_http, gateway.Endpoint("/mcp"), gateway.TokenFor($"reader-{Guid.NewGuid():N}", "reader"), "tools/list");

        string[] all = Names(everything.Result);
        string[] visible = Names(filtered.Result);
        Assert.Equal(all.Order(StringComparer.Ordinal), all);
        Assert.Equal(visible.Order(StringComparer.Ordinal), visible);
        Assert.True(visible.Length > 0 && visible.Length < all.Length, $"The reader role should see some tools, not all: {visible.Length} of {all.Length}.");
        Assert.All([everything.Result, filtered.Result], result =>
        {
            Assert.Equal(10_000, result.GetProperty("ttlMs").GetInt32());
            Assert.Equal("private", result.GetProperty("cacheScope").GetString());
        });
    }

    [Fact]
    public async Task InputRequired_OnTheAggregate_RoundTripsWithTheClientsAnswers()
    {
        var endpoint = gateway.Endpoint("/mcp");
        const string Tool = "everything__test_input_required_result_multi_round";

        var first = await StatelessRequest.CallToolAsync(_http, endpoint, gateway.AdminKey, Tool);
        string state1 = first.Result.GetProperty("requestState").GetString()!;
        var second = await StatelessRequest.CallToolAsync(_http, endpoint, gateway.AdminKey, Tool, inputResponses: new JsonObject { ["step1"] = StatelessRequest.Accept(new JsonObject { ["name"] = "Ada" }) }, requestState: state1);
        string state2 = second.Result.GetProperty("requestState").GetString()!;
        var third = await StatelessRequest.CallToolAsync(_http, endpoint, gateway.AdminKey, Tool, inputResponses: new JsonObject { ["step2"] = StatelessRequest.Accept(new JsonObject { ["color"] = "blue" }) }, requestState: state2);

        Assert.Equal("input_required", first.Result.GetProperty("resultType").GetString());
        Assert.Equal("elicitation/create", first.Result.GetProperty("inputRequests").GetProperty("step1").GetProperty("method").GetString());
        Assert.Equal("input_required", second.Result.GetProperty("resultType").GetString());
        Assert.NotEqual(state1, state2);
        Assert.Equal("complete", third.Result.GetProperty("resultType").GetString());
        Assert.Equal("Ada likes blue.", third.Result.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task MissingClientCapability_OnTheAggregate_Is400WithTheCapabilityNamed()
    {
        var answer = await StatelessRequest.SendAsync(
            _http,
            gateway.Endpoint("/mcp"),
            gateway.AdminKey,
            "tools/call",
            new JsonObject { ["name"] = "everything__test_missing_capability", ["arguments"] = new JsonObject() },
            clientCapabilities: []);

        Assert.Equal((HttpStatusCode.BadRequest, -32021), (answer.Status, answer.ErrorCode));
        Assert.Equal(JsonValueKind.Object, answer.Message.GetProperty("error").GetProperty("data").GetProperty("requiredCapabilities").GetProperty("sampling").ValueKind);
    }

    [Fact]
    public async Task CSharpClient_In20260728_DiscoversListsCallsAndAnswersInputRequests_OnTheAggregate()
    {
        var asked = new List<string>();
        var options = new McpClientOptions
        {
            Handlers = new McpClientHandlers
            {
                ElicitationHandler = (request, _) =>
                {
                    string field = request!.RequestedSchema!.Properties.Keys.Single();
                    asked.Add(request.Message);
                    return ValueTask.FromResult(new ElicitResult
                    {
                        Action = "accept",
                        Content = new Dictionary<string, JsonElement> { [field] = JsonSerializer.SerializeToElement(field == "name" ? "Ada" : "blue") },
                    });
                },
                SamplingHandler = (request, _, _) => ValueTask.FromResult(new CreateMessageResult
                {
                    Role = Role.Assistant,
                    Model = "test-model",
                    Content = [new TextContentBlock { Text = "Hello there" }],
                }),
                RootsHandler = (_, _) => ValueTask.FromResult(new ListRootsResult { Roots = [new Root { Uri = "file:///work", Name = "work" }] }),
            },
        };
        await using var client = await gateway.ConnectAsync("/mcp", StatelessRequest.Revision, options);

        var tools = await client.ListToolsAsync(cancellationToken: Ct);
        var schema = tools.Single(t => t.Name == "everything__json_schema_2020_12_tool").JsonSchema;
        var headers = await client.CallToolAsync("everything__test_custom_headers", new Dictionary<string, object?> { ["region"] = "eu-west-1", ["verbose"] = true }, cancellationToken: Ct);
        var multiRound = await client.CallToolAsync("everything__test_input_required_result_multi_round", cancellationToken: Ct);
        var multiple = await client.CallToolAsync("everything__test_input_required_result_multiple_inputs", cancellationToken: Ct);

        Assert.Equal(StatelessRequest.Revision, client.NegotiatedProtocolVersion);
        Assert.Null(client.SessionId);
        Assert.Equal("addressDef", schema.GetProperty("$defs").GetProperty("address").GetProperty("$anchor").GetString());
        Assert.True(schema.TryGetProperty("if", out _) && schema.TryGetProperty("allOf", out _));
        Assert.NotEqual(true, headers.IsError);
        Assert.Equal("Ada likes blue.", Text(multiRound));
        Assert.Equal("Name: Ada; greeting: Hello there; roots: file:///work", Text(multiple));
        Assert.Equal(["Step 1: What is your name?", "Step 2: What is your favorite color?", "What is your name?"], asked);
    }

    public void Dispose() => _http.Dispose();

    private static string[] Names(JsonElement listResult) => [.. listResult.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!)];

    private static string Text(CallToolResult result) => string.Concat(result.Content.OfType<TextContentBlock>().Select(c => c.Text));
}
