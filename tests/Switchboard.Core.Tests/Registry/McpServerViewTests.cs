using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Registry;
using Switchboard.Servers.Everything;
using Switchboard.Testing;

namespace Switchboard.Core.Tests.Registry;

public class McpServerViewTests
{
    [Fact]
    public void Aggregate_NamespacesToolsAndPrompts_KeepsResourceUris()
    {
        var alpha = Catalog("alpha", tools: ["ping", "echo"], prompts: ["greet"], resources: ["test://alpha/one"]);
        var beta = Catalog("beta", tools: ["ping"], resources: ["test://beta/{id}"]);

        using var view = McpServerView.Aggregate("gateway", [alpha, beta]);

        Assert.Equal(["alpha__ping", "alpha__echo", "beta__ping"], view.Tools.Select(t => t.ProtocolTool.Name));
        Assert.Equal(["alpha__greet"], view.Prompts.Select(p => p.ProtocolPrompt.Name));
        Assert.Equal(["test://alpha/one", "test://beta/{id}"], view.Resources.Select(r => r.ProtocolResourceTemplate.UriTemplate));
        Assert.Empty(view.Problems);
    }

    [Fact]
    public void Aggregate_ACatalogChanges_ToolsThatStayAreNeverReplaced()
    {
        // Requests read the view without its lock: a tool that stays must stay the same object, never removed and
        // added again, or a call made while a server's prompt list arrives finds a listed tool unknown.
        var alpha = Catalog("alpha", tools: ["ping", "echo"]);
        var beta = Catalog("beta", tools: ["ping"]);
        using var view = McpServerView.Aggregate("gateway", [alpha, beta]);
        var before = view.Tools.ToDictionary(t => t.ProtocolTool.Name);

        beta.Prompts.Add(McpServerPrompt.Create(() => "hello", new McpServerPromptCreateOptions { Name = "greet" }));
        alpha.Tools.Add(Tool("added"));
        beta.Tools.Remove(beta.Tools.Single());

        Assert.Equal(["alpha__added", "alpha__echo", "alpha__ping"], view.Tools.Select(t => t.ProtocolTool.Name).Order());
        Assert.Same(before["alpha__ping"], view.Tools.Single(t => t.ProtocolTool.Name == "alpha__ping"));
        Assert.Same(before["alpha__echo"], view.Tools.Single(t => t.ProtocolTool.Name == "alpha__echo"));
        Assert.Equal(["beta__greet"], view.Prompts.Select(p => p.ProtocolPrompt.Name));
    }

    [Fact]
    public void Aggregate_RenamingKeepsSchemaDescriptionAndAnnotations()
    {
        var server = new McpServerCatalog("alpha");
        server.Tools.Add(McpServerTool.Create((int count) => count, new McpServerToolCreateOptions { Name = "count", Description = "Counts.", ReadOnly = true }));

        using var view = McpServerView.Aggregate("gateway", [server]);

        var original = server.Tools.Single().ProtocolTool;
        var exposed = view.Tools.Single().ProtocolTool;
        Assert.Equal("alpha__count", exposed.Name);
        Assert.Equal("count", original.Name);
        Assert.Equal(original.Description, exposed.Description);
        Assert.Equal(original.InputSchema.GetRawText(), exposed.InputSchema.GetRawText());
        Assert.True(exposed.Annotations?.ReadOnlyHint);
    }

    [Fact]
    public void Single_KeepsOwnNames()
    {
        using var view = McpServerView.Single(Catalog("alpha", tools: ["ping"], prompts: ["greet"]));

        Assert.Equal(["ping"], view.Tools.Select(t => t.ProtocolTool.Name));
        Assert.Equal(["greet"], view.Prompts.Select(p => p.ProtocolPrompt.Name));
    }

    [Fact]
    public void Aggregate_SameResourceUriFromTwoServers_ReportsCollisionAndKeepsTheFirst()
    {
        var alpha = Catalog("alpha", resources: ["test://shared"]);
        var beta = Catalog("beta", resources: ["test://shared"]);

        using var view = McpServerView.Aggregate("gateway", [alpha, beta]);

        Assert.Single(view.Resources);
        var problem = Assert.Single(view.Problems);
        Assert.Contains("test://shared", problem, StringComparison.Ordinal);
        Assert.Contains("'beta'", problem, StringComparison.Ordinal);
        Assert.Contains("'alpha'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void View_ToolNameOutsidePortableSubset_IsLeftOutAndReported()
    {
        var server = Catalog("alpha", tools: ["files.read", "ok"]);

        using var view = McpServerView.Single(server);

        Assert.Equal(["ok"], view.Tools.Select(t => t.ProtocolTool.Name));
        Assert.Contains(view.Problems, p => p.Contains("files.read", StringComparison.Ordinal));
    }

    [Fact]
    public void Aggregate_NamespacedNameLongerThan64_IsReported()
    {
        var server = Catalog("alpha", tools: [new string('t', 60)]);

        using var view = McpServerView.Aggregate("gateway", [server]);

        Assert.Empty(view.Tools);
        Assert.Contains(view.Problems, p => p.Contains("must match", StringComparison.Ordinal));
    }

    [Fact]
    public void View_FollowsCatalogChanges_AndRaisesChanged()
    {
        var server = Catalog("alpha", tools: ["ping"]);
        using var view = McpServerView.Aggregate("gateway", [server]);
        int changes = 0;
        view.Tools.Changed += (_, _) => changes++;

        server.Tools.Add(Tool("pong"));

        Assert.Equal(["alpha__ping", "alpha__pong"], view.Tools.Select(t => t.ProtocolTool.Name));
        Assert.Equal(1, changes);
    }

    [Fact]
    public void Registry_DuplicateServerNames_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => new McpServerRegistry([Catalog("alpha"), Catalog("alpha")]));
        Assert.Contains("'alpha'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_InvalidServerName_ThrowsWithTheRule()
    {
        var error = Assert.Throws<ArgumentException>(() => new McpServerCatalog("Bad_Name"));
        Assert.Contains("lower-case", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aggregate_CompletionForNamespacedPrompt_ReachesOwningServerUnderItsOwnName()
    {
        using var registry = new McpServerRegistry([EverythingServer.CreateCatalog()]);
        await using var mcp = await InMemoryMcp.ConnectAsync(registry.Aggregate, cancellationToken: TestContext.Current.CancellationToken);

        var result = await mcp.Client.CompleteAsync(
            new PromptReference { Name = "everything__test_prompt_with_arguments" }, "arg1", "par", cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["paris", "park", "party"], result.Completion.Values);
    }

    [Fact]
    public async Task Aggregate_CompletionForUnknownPrompt_IsAnInvalidParamsError()
    {
        using var registry = new McpServerRegistry([EverythingServer.CreateCatalog()]);
        await using var mcp = await InMemoryMcp.ConnectAsync(registry.Aggregate, cancellationToken: TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAsync<McpProtocolException>(async () => await mcp.Client.CompleteAsync(
            new PromptReference { Name = "everything__no_such_prompt" }, "arg1", "x", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(McpErrorCode.InvalidParams, error.ErrorCode);
        Assert.Contains("everything__no_such_prompt", error.Message, StringComparison.Ordinal);
    }

    private static McpServerCatalog Catalog(string name, string[]? tools = null, string[]? prompts = null, string[]? resources = null)
    {
        var catalog = new McpServerCatalog(name);
        foreach (var tool in tools ?? [])
        {
            catalog.Tools.Add(Tool(tool));
        }

        foreach (var prompt in prompts ?? [])
        {
            catalog.Prompts.Add(McpServerPrompt.Create(() => "hello", new McpServerPromptCreateOptions { Name = prompt }));
        }

        foreach (var uri in resources ?? [])
        {
            catalog.Resources.Add(McpServerResource.Create(() => "content", new McpServerResourceCreateOptions { UriTemplate = uri, Name = uri }));
        }

        return catalog;
    }

    private static McpServerTool Tool(string name) => McpServerTool.Create(() => name, new McpServerToolCreateOptions { Name = name });
}
