using System.Text.Json.Nodes;
using Switchboard.Agents.Runtime;
using Switchboard.Agents.VonNeumann;
using Switchboard.Workflows.Definitions;

namespace Switchboard.Gateway.Tests.Agents;

/// <summary>How a Von Neumann run splits its items and divides its bounds (no I/O; the end-to-end tests are in <see cref="VonNeumannTests"/>).</summary>
public sealed class VonNeumannSplitTests
{
    private static readonly DateTimeOffset Deadline = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1000, 0, 30, 8)]   // ten parts of 100 wanted, eight allowed
    [InlineData(125, 1, 4, 2)]     // two parts of at most 100
    [InlineData(125, 2, 4, 0)]     // at the deepest level: a leaf
    [InlineData(1000, 0, 2, 0)]    // room for one copy only: splitting into one part is no split
    [InlineData(1000, 0, 4, 3)]    // room for three copies
    [InlineData(100, 0, 30, 0)]    // small enough to do itself
    public void PartsFor_KeepsWithinWidthDepthAndCopies(int items, int depth, int copies, int expected) =>
        Assert.Equal(expected, new ReplicaSettings(Width: 8, Depth: 2, MaxCopies: 30, PartSize: 100).PartsFor(items, depth, copies));

    [Fact]
    public void Divide_NeverHandsOutMoreThanItHas()
    {
        var parent = new Allotment(TokensIn: 1001, TokensOut: 77, ToolCalls: 9, Cost: 1.00m, Copies: 30, Deadline);
        int[] counts = [125, 125, 125, 125, 125, 125, 125, 124];

        var shares = parent.Divide(counts);

        Assert.True(shares.Sum(s => s.TokensIn) <= parent.TokensIn);
        Assert.True(shares.Sum(s => s.TokensOut) <= parent.TokensOut);
        Assert.True(shares.Sum(s => s.ToolCalls) <= parent.ToolCalls);
        Assert.True(shares.Sum(s => s.Cost!.Value) <= parent.Cost!.Value);
        Assert.Equal(parent.Copies - 1, shares.Sum(s => s.Copies));
        Assert.Equal([4, 4, 4, 4, 4, 3, 3, 3], shares.Select(s => s.Copies));
        Assert.All(shares, s => Assert.Equal(Deadline, s.Deadline));
        Assert.Equal(shares[0], Allotment.FromJson(shares[0].ToJson().ToJsonString()));
    }

    [Fact]
    public void ToBudget_GivesALeafTheTimeLeftUntilTheDeadline_AndNoneAfterIt()
    {
        var leaf = new Allotment(10, 5, 0, null, 1, Deadline);

        var budget = AgentBudget.FromJson(leaf.ToBudget(Deadline - TimeSpan.FromSeconds(3)));
        Assert.Equal(TimeSpan.FromSeconds(3), budget.WallTime);
        Assert.Contains("tool call budget (0)", budget.Exhausted(AgentUsage.None, TimeSpan.Zero), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.Zero, AgentBudget.FromJson(leaf.ToBudget(Deadline + TimeSpan.FromMinutes(1))).WallTime);
    }

    [Fact]
    public void Split_TilesTheItems_AndKeepsTheContext()
    {
        var range = WorkItems.Parse(JsonNode.Parse("""{"range": {"from": 1, "to": 10}, "unit": "m"}"""), out _)!;
        var parts = range.Split(3);
        Assert.Equal([0, 4, 7], parts.Select(p => p.Offset));
        Assert.Equal(
            ["""{"unit":"m","range":{"from":1,"to":4}}""", """{"unit":"m","range":{"from":5,"to":7}}""", """{"unit":"m","range":{"from":8,"to":10}}"""],
            parts.Select(p => p.Part.ToJson().ToJsonString()));

        var documents = WorkItems.Parse(JsonNode.Parse("""{"documents": [{"n": 1}, {"n": 2}, {"n": 3}]}"""), out _)!;
        Assert.Equal(["""{"documents":[{"n":1},{"n":2}]}""", """{"documents":[{"n":3}]}"""], documents.Split(2).Select(p => p.Part.ToJson().ToJsonString()));
        Assert.Equal("""["a","b"]""", WorkItems.Parse(new JsonArray("a", "b"), out _)!.ToJson().ToJsonString());
    }

    [Fact]
    public void Replicate_IsReadWithItsDefaults_AndABadBoundIsRefusedAtItsLine()
    {
        const string Agent = "name: agent-m\ninputs: { input: { required: true } }\nsteps:\n  - id: agent\n    arguments: { input: \"${{ inputs.input }}\" }\n    agent:\n      instructions: Map.\n      replicate: { width: 8, max_copies: 30 }\n";
        var step = WorkflowValidator.ParseAndValidate(Agent, _ => true).Step("agent")!;
        Assert.Equal(new ReplicaSettings(8, 2, 30, 50), ReplicaSettings.FromJson(step.Agent!["replicate"] as JsonObject));

        var error = Assert.Throws<WorkflowDefinitionException>(() => WorkflowValidator.ParseAndValidate(Agent.Replace("width: 8", "width: 1", StringComparison.Ordinal).Replace("max_copies", "copies", StringComparison.Ordinal), _ => true));
        Assert.Equal([8, 8], error.Errors.Select(e => e.Position.Line));
    }

    [Theory]
    [InlineData("\"just text\"")]
    [InlineData("""{"range": {"from": 5, "to": 1}}""")]
    [InlineData("""{"question": "no list"}""")]
    public void Parse_RefusesWhatIsNotAListOrARange(string input)
    {
        Assert.Null(WorkItems.Parse(JsonNode.Parse(input), out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }
}
