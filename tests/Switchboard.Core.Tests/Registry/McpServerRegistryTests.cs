using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Registry;

namespace Switchboard.Core.Tests.Registry;

public class McpServerRegistryTests
{
    [Fact]
    public void TryMount_AddsTheServerToMcpAndItsOwnEndpoint_AndRaisesListChanged()
    {
        using var registry = new McpServerRegistry([Catalog("alpha", "ping")]);
        int changes = 0;
        registry.Aggregate.Tools.Changed += (_, _) => changes++;

        Assert.True(registry.TryMount(Catalog("beta", "echo")));

        Assert.Equal(["alpha__ping", "beta__echo"], registry.Aggregate.Tools.Select(t => t.ProtocolTool.Name));
        Assert.True(registry.TryGetServerView("beta", out var beta));
        Assert.Equal(["echo"], beta.Tools.Select(t => t.ProtocolTool.Name));
        Assert.Equal(["alpha", "beta"], registry.ServerNames);
        Assert.True(changes > 0);
    }

    [Fact]
    public void TryMount_TakenName_ChangesNothing()
    {
        using var registry = new McpServerRegistry([Catalog("alpha", "ping")]);

        Assert.False(registry.TryMount(Catalog("alpha", "other")));

        Assert.Equal(["alpha__ping"], registry.Aggregate.Tools.Select(t => t.ProtocolTool.Name));
    }

    [Fact]
    public void Unmount_RemovesTheServerEverywhere_AndEmptiesItsOwnView()
    {
        var beta = Catalog("beta", "echo");
        using var registry = new McpServerRegistry([Catalog("alpha", "ping"), beta]);
        Assert.True(registry.TryGetServerView("beta", out var betaView));

        Assert.True(registry.Unmount("beta"));

        Assert.Equal(["alpha__ping"], registry.Aggregate.Tools.Select(t => t.ProtocolTool.Name));
        Assert.False(registry.TryGetServerView("beta", out _));
        Assert.Empty(betaView.Tools);
        // An unmounted catalog no longer reaches the views.
        beta.Tools.Add(McpServerTool.Create(() => "late", new McpServerToolCreateOptions { Name = "late" }));
        Assert.DoesNotContain(registry.Aggregate.Tools, t => t.ProtocolTool.Name == "beta__late");
        Assert.False(registry.Unmount("beta"));
    }

    [Fact]
    public void UnlistedTool_IsInTheViewButNotListed()
    {
        var alpha = Catalog("alpha", "ping");
        alpha.Tools.Add(new Unlisted());
        using var registry = new McpServerRegistry([alpha]);

        Assert.True(registry.Aggregate.IsListed("alpha__ping"));
        Assert.False(registry.Aggregate.IsListed("alpha__hidden"));
        Assert.Contains(registry.Aggregate.Tools, t => t.ProtocolTool.Name == "alpha__hidden");
        Assert.True(registry.TryGetServerView("alpha", out var own));
        Assert.False(own.IsListed("hidden"));
    }

    private static McpServerCatalog Catalog(string name, string tool)
    {
        var catalog = new McpServerCatalog(name);
        catalog.Tools.Add(McpServerTool.Create(() => tool, new McpServerToolCreateOptions { Name = tool }));
        return catalog;
    }

    private sealed class Unlisted : McpServerTool, IUnlistedTool
    {
        public override Tool ProtocolTool { get; } = new() { Name = "hidden" };

        public override IReadOnlyList<object> Metadata => [];

        public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("not called");
    }
}
