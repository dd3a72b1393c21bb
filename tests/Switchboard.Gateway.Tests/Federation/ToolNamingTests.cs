using ModelContextProtocol.Protocol;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Catalog;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>The names an upstream's tools are exposed under: renamed, hidden, sanitized, collisions resolved the same way every time.</summary>
public sealed class ToolNamingTests
{
    [Fact]
    public void InvalidNames_AreSanitized_AndAValidNameTheUpstreamChoseItselfWinsACollision()
    {
        var naming = new ToolNaming("files", new ToolSettings());
        var reported = new List<(string Tool, string Name)>();

        var exposed = naming.Expose([Tool("read.file"), Tool("files/list"), Tool("read_file")], (tool, name) => reported.Add((tool, name)));

        Assert.Equal([("files_list", "files/list"), ("read_file", "read_file")], exposed.Select(e => (e.Exposed.Name, e.UpstreamName)));
        Assert.Equal([("read.file", "read_file")], reported);
    }

    [Fact]
    public void Rename_TakesItsNameFromAnyOtherTool_Hide_LeavesTheToolOut_DefinitionKept()
    {
        var settings = new ToolSettings { Rename = { ["search"] = "lookup" }, Hide = ["delete"] };
        var naming = new ToolNaming("wiki", settings);
        var reported = new List<(string Tool, string Name)>();
        var search = Tool("search", "Searches the wiki.");

        var exposed = naming.Expose([Tool("lookup"), search, Tool("delete")], (tool, name) => reported.Add((tool, name)));

        var (definition, upstreamName) = Assert.Single(exposed);
        Assert.Equal(("lookup", "search", "Searches the wiki."), (definition.Name, upstreamName, definition.Description));
        Assert.Equal("search", search.Name); // the upstream's definition (which pins hash) is not changed
        Assert.Equal([("lookup", "lookup")], reported);
    }

    [Fact]
    public void LongNames_AreCutSoTheNamespacedNameFits()
    {
        var naming = new ToolNaming("a-server", new ToolSettings());

        var (definition, _) = Assert.Single(naming.Expose([Tool(new string('x', 100))], (_, _) => Assert.Fail("no collision expected")));

        Assert.Equal(64 - "a-server__".Length, definition.Name.Length);
        Assert.True(Switchboard.Naming.McpNames.IsValidExposedName($"a-server__{definition.Name}"));
    }

    private static Tool Tool(string name, string? description = null) =>
        new() { Name = name, Description = description, InputSchema = System.Text.Json.JsonDocument.Parse("""{"type":"object"}""").RootElement };
}
