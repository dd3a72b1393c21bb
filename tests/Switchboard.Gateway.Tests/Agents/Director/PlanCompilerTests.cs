using System.Text.Json.Nodes;
using Switchboard.Agents.Director;
using Switchboard.Workflows.Definitions;

namespace Switchboard.Gateway.Tests.Agents.Director;

/// <summary>A Director plan becomes a workflow definition, or is refused with reasons the model can act on.</summary>
public sealed class PlanCompilerTests
{
    private static string? AllowAll(string tool) => null;

    private static (JsonObject?, string?) NoAgents(string agent) => (null, $"there is no agent '{agent}' this run may delegate to");

    [Fact]
    public void Compile_ValidPlan_KeepsDependenciesAndArguments()
    {
        var plan = DirectorPlan.Parse("""
            {"steps": [
              {"id": "payment", "tool": "financial/pmt", "arguments": {"rate": 0.01, "periods": 10, "presentValue": 1000}},
              {"id": "other", "tool": "financial/fv", "arguments": {"rate": 0.01, "periods": 10, "payment": -10}},
              {"id": "total", "tool": "utilities/math_evaluate", "arguments": {"expression": "${{ steps.payment.output }} * 10"}, "needs": ["payment"]}
            ]}
            """);

        var (source, errors) = PlanCompiler.Compile(plan, "director-test", AllowAll, NoAgents);

        Assert.Empty(errors);
        var definition = WorkflowValidator.ParseAndValidate(source!, _ => true);
        Assert.Equal("director-test", definition.Name);
        // A plan's step without needs runs at once, not after the step listed before it.
        Assert.Empty(definition.Step("other")!.Needs!);
        Assert.Equal(["payment"], definition.Step("total")!.Needs!.Select(n => n.Id));
        Assert.Equal(10, definition.Step("payment")!.Arguments!["periods"]!.GetValue<long>());
    }

    [Fact]
    public void Compile_RefusedToolDelegationAndMissingTool_AreEachReported()
    {
        var plan = new DirectorPlan([
            new PlanStep("read", Tool: "filesystem/read_text_file", Arguments: new JsonObject { ["path"] = "a" }),
            new PlanStep("ask", Agent: "researcher", Input: "find it"),
            new PlanStep("nothing"),
        ]);

        var (source, errors) = PlanCompiler.Compile(plan, "director-test", tool => tool.StartsWith("filesystem/", StringComparison.Ordinal) ? $"the tool '{tool}' is not allowed for this run" : null, NoAgents);

        Assert.Null(source);
        Assert.Collection(errors,
            e => Assert.Equal("step 'read': the tool 'filesystem/read_text_file' is not allowed for this run", e),
            e => Assert.Equal("step 'ask': there is no agent 'researcher' this run may delegate to", e),
            e => Assert.Contains("step 'nothing': give 'tool'", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_Delegation_BecomesAnAgentStepWithTheDeclarationAndTheInput()
    {
        var plan = new DirectorPlan([
            new PlanStep("payment", Tool: "financial/pmt", Arguments: new JsonObject { ["rate"] = 0.01, ["periods"] = 10, ["presentValue"] = 1000 }),
            new PlanStep("explain", Agent: "explainer", Input: "Explain a payment of ${{ steps.payment.output }}.", Needs: ["payment"]),
        ]);
        var declaration = new JsonObject
        {
            ["name"] = "explainer",
            ["instructions"] = "Explain payments.",
            ["provider"] = "fake",
            ["budget"] = new JsonObject { ["tokens_in"] = 500, ["tool_calls"] = 2, ["wall_time"] = "60000ms" },
        };

        var (source, errors) = PlanCompiler.Compile(plan, "director-test", AllowAll, name => name == "explainer" ? (declaration, null) : NoAgents(name));

        Assert.Empty(errors);
        var step = WorkflowValidator.ParseAndValidate(source!, _ => true).Step("explain")!;
        Assert.Equal(StepKinds.Agent, step.Kind);
        Assert.Equal("Explain payments.", step.Agent!["instructions"]!.GetValue<string>());
        Assert.Equal(500, step.Agent["budget"]!["tokensIn"]!.GetValue<long>());
        Assert.Equal(["payment"], step.Needs!.Select(n => n.Id));
        Assert.Contains("${{ steps.payment.output }}", step.Arguments!["input"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Compile_ReadingAStepItDoesNotNeed_IsRefused()
    {
        var plan = new DirectorPlan([
            new PlanStep("a", Tool: "financial/pmt", Arguments: new JsonObject { ["rate"] = 0.01 }),
            new PlanStep("b", Tool: "utilities/math_evaluate", Arguments: new JsonObject { ["expression"] = "${{ steps.a.output }} * 2" }),
        ]);

        var (source, errors) = PlanCompiler.Compile(plan, "director-test", AllowAll, NoAgents);

        Assert.Null(source);
        Assert.Contains(errors, e => e.Contains("does not need", StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_Cycle_IsRefused()
    {
        var plan = new DirectorPlan([
            new PlanStep("a", Tool: "financial/pmt", Needs: ["b"]),
            new PlanStep("b", Tool: "financial/fv", Needs: ["a"]),
        ]);

        var (source, errors) = PlanCompiler.Compile(plan, "director-test", AllowAll, NoAgents);

        Assert.Null(source);
        Assert.Contains(errors, e => e.Contains("cycle", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_NoSteps_SaysWhatIsExpected()
    {
        var error = Assert.Throws<System.Text.Json.JsonException>(() => DirectorPlan.Parse("""{"steps": []}"""));

        Assert.Contains("{\"steps\"", error.Message, StringComparison.Ordinal);
    }
}
