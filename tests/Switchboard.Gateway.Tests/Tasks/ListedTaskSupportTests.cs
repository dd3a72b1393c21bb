using System.Text.Json.Nodes;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Registry;
using Switchboard.Tools;
using Switchboard.Workflows.Tasks;

namespace Switchboard.Gateway.Tests.Tasks;

/// <summary>
/// The filters that write <c>execution.taskSupport</c> into listed tools (SEP-2663) touch the response to tools/list
/// only, as the SDK passes a request and its response through them (the response shares the request's items).
/// </summary>
public sealed class ListedTaskSupportTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(RequestMethods.ToolsCall)]
    [InlineData(RequestMethods.ResourcesRead)]
    [InlineData("tasks/get")]
    public async Task AResultWithAToolsArray_AnsweringAnotherMethod_IsSentAsItIs(string method)
    {
        // A result that happens to hold a top-level "tools" array naming a task tool, e.g. a tool's own data.
        const string Result = """{"content":[],"structuredContent":{"tools":[{"name":"slow"}]},"tools":[{"name":"slow"}]}""";

        var sent = await SendAsync(method, Result);

        Assert.Equal(JsonNode.Parse(Result)!.ToJsonString(), sent.ToJsonString());
    }

    [Fact]
    public async Task TheToolsListResult_ShowsTheTaskSupportOfEachTaskTool()
    {
        var sent = await SendAsync(RequestMethods.ToolsList, """{"tools":[{"name":"slow"},{"name":"quick"}]}""");

        var tools = sent["tools"]!.AsArray();
        Assert.Equal("optional", tools[0]!["execution"]!["taskSupport"]!.GetValue<string>());
        Assert.Null(tools[1]!["execution"]);
    }

    // Passes a request through the incoming filter and its response, carrying the request's context as the SDK's does,
    // through the outgoing one; returns the result that would be sent.
    private static async Task<JsonNode> SendAsync(string method, string result)
    {
        var catalog = new McpServerCatalog("alpha");
        catalog.Tools.Add(McpServerTool.Create((string text) => text, new McpServerToolCreateOptions { Name = "slow", Metadata = [new TaskSupportAttribute(TaskSupport.Optional)] }));
        catalog.Tools.Add(McpServerTool.Create((string text) => text, new McpServerToolCreateOptions { Name = "quick" }));
        using var view = McpServerView.Single(catalog);
        await using var server = McpServer.Create(new StreamServerTransport(Stream.Null, Stream.Null), new McpServerOptions());

        var request = new JsonRpcRequest { Id = new RequestId(1), Method = method };
        await McpTasks.MarkToolsList((_, _) => Task.CompletedTask)(new MessageContext(server, request), Ct);
        var response = new JsonRpcResponse { Id = request.Id, Result = JsonNode.Parse(result), Context = request.Context };
        JsonNode? sent = null;
        await McpTasks.ListTaskSupport(view)((context, _) =>
        {
            sent = ((JsonRpcResponse)context.JsonRpcMessage).Result;
            return Task.CompletedTask;
        })(new MessageContext(server, response), Ct);
        return sent!;
    }
}
