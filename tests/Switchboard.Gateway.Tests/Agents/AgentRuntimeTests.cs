using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using Switchboard.Agents.Runtime;
using Switchboard.Workflows.Definitions;

namespace Switchboard.Gateway.Tests.Agents;

/// <summary>The agent runtime's pure parts: the declaration, budgets, tool patterns and the checkpoint, without a model.</summary>
public sealed class AgentRuntimeTests
{
    private const string Workflow = """
        name: ask
        inputs:
          question:
        steps:
          - id: answer
            agent:
              instructions: Answer with the financial tools.
              model: small
              tools: [financial/*]
              budget: { tokens_in: 1000, tokens_out: 200, tool_calls: 3, wall_time: 2m, cost: 0.25 }
              approval_timeout: 30s
            arguments: { input: "${{ inputs.question }}" }
        """;

    [Fact]
    public void AgentStep_Parses_IntoTheSpecTheRuntimeReads()
    {
        var definition = WorkflowValidator.ParseAndValidate(Workflow, _ => true);

        var step = Assert.Single(definition.Steps);
        Assert.Equal(StepKinds.Agent, step.Kind);
        var spec = AgentSpec.FromJson(step.Agent!);
        Assert.Equal(["financial/*"], spec.Tools);
        Assert.Equal(new AgentBudget(1000, 200, 3, TimeSpan.FromMinutes(2), 0.25m), spec.Budget);
        Assert.Equal(TimeSpan.FromSeconds(30), spec.ApprovalTimeout);
        Assert.Equal("small", spec.Model);
    }

    [Fact]
    public void AgentStep_WithBadFields_IsRefusedWithTheirLines()
    {
        string bad = Workflow.Replace("tool_calls: 3", "tool_calls: lots", StringComparison.Ordinal)
            .Replace("tools: [financial/*]", "tools: [financial]", StringComparison.Ordinal)
            .Replace("approval_timeout: 30s", "approval_timeout: 30s\n      temperature: 2", StringComparison.Ordinal);

        var error = Assert.Throws<WorkflowDefinitionException>(() => WorkflowValidator.ParseAndValidate(bad, _ => true));

        Assert.Collection(
            error.Errors,
            e => Assert.Equal((9, true), (e.Position.Line, e.Message.StartsWith("'tools' lists", StringComparison.Ordinal))),
            e => Assert.Equal((10, "expected a whole number from 1 to 2147483647"), (e.Position.Line, e.Message)),
            e => Assert.Equal(12, e.Position.Line));
    }

    [Fact]
    public void Budget_NamesTheFirstLimitSpent()
    {
        var budget = new AgentBudget(1000, 200, 3, TimeSpan.FromMinutes(1), 0.01m);
        var usage = AgentUsage.None.AddTurn(400, 50, new ModelPrices(0.01m, 0.03m));

        Assert.Null(budget.Exhausted(usage, TimeSpan.FromSeconds(1)));
        Assert.Equal(0.0055m, usage.Cost); // 400 × 0.01 / 1000 + 50 × 0.03 / 1000
        Assert.Contains("tool call budget (3)", budget.Exhausted(usage with { ToolCalls = 3 }, TimeSpan.Zero), StringComparison.Ordinal);
        Assert.Contains("input token budget", budget.Exhausted(usage.AddTurn(600, 0, null), TimeSpan.Zero), StringComparison.Ordinal);
        Assert.Contains("wall time budget", budget.Exhausted(usage, TimeSpan.FromMinutes(1)), StringComparison.Ordinal);
        Assert.Contains("cost budget", budget.Exhausted(usage.AddTurn(200, 100, new ModelPrices(0.01m, 0.03m)), TimeSpan.Zero), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("financial/npv", true)]
    [InlineData("filesystem/read_file", false)]
    [InlineData("financial", false)]
    [InlineData("financialx/npv", false)]
    public void ToolPatterns_NarrowByServerAndName(string target, bool offered)
    {
        Assert.Equal(offered, ToolPatterns.Matches(["financial/*", "*/read_text_file"], target));
    }

    [Fact]
    public void ToolPatterns_EmptyListOffersNothing_StarOffersAll()
    {
        Assert.False(ToolPatterns.Matches([], "financial/npv"));
        Assert.True(ToolPatterns.Matches(["*"], "filesystem/write_file"));
        Assert.True(ToolPatterns.Matches(["*/read_text_file"], "filesystem/read_text_file"));
        Assert.False(ToolPatterns.Matches(["*/read_text_file"], "filesystem/write_file"));
    }

    [Fact]
    public void Checkpoint_RoundTrips_AndKnowsWhichCallsAreStillPending()
    {
        var checkpoint = AgentCheckpoint.Start("Be brief.", new JsonObject { ["input"] = "npv of 100 at 5%?" }, DateTimeOffset.UnixEpoch);
        checkpoint.Messages.Add(new ChatMessage(ChatRole.Assistant, [
            new FunctionCallContent("c1", "financial__npv", new Dictionary<string, object?> { ["rate"] = 0.05 }),
            new FunctionCallContent("c2", "filesystem__read_text_file", new Dictionary<string, object?> { ["path"] = "/etc/passwd" })]));
        checkpoint.AddResult(checkpoint.PendingCalls()[0], "financial/npv", false, new JsonObject { ["npv"] = 95.24 });
        checkpoint.Usage = checkpoint.Usage.AddTurn(10, 5, null) with { ToolCalls = 1 };
        checkpoint.WaitingFor = "c2";

        var restored = AgentCheckpoint.FromState(JsonNode.Parse(checkpoint.ToState().ToJsonString()))!;

        Assert.Equal("npv of 100 at 5%?", restored.Messages[1].Text);
        Assert.Contains(AgentCheckpoint.DataRule, restored.Messages[0].Text, StringComparison.Ordinal);
        Assert.Equal("c2", Assert.Single(restored.PendingCalls()).CallId);
        Assert.Equal(checkpoint.Usage, restored.Usage);
        Assert.Equal("c2", restored.WaitingFor);
        var result = Assert.IsType<FunctionResultContent>(Assert.Single(restored.Messages[3].Contents));
        // Text, as it was saved: a JSON string element would reach the provider quoted twice after a resume.
        Assert.Equal("""{"tool":"financial/npv","isError":false,"data":{"npv":95.24}}""", Assert.IsType<string>(result.Result));
    }
}
