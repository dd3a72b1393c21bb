using System.Text.Json.Nodes;
using Switchboard.Agents.Director;
using Switchboard.Workflows.Definitions;

namespace Switchboard.Gateway.Tests.Agents.Director;

/// <summary>A Director plan becomes a workflow definition, or is refused with reasons the model can act on.</summary>
public sealed class PlanCompilerTests
{
    private static string? AllowAll(string tool) => null;

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

        var (source, errors) = PlanCompiler.Compile(plan, "director-test", AllowAll);

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

        var (source, errors) = PlanCompiler.Compile(plan, "director-test", tool => tool.StartsWith("filesystem/", StringComparison.Ordinal) ? $"the tool '{tool}' is not allowed for this run" : null);

        Assert.Null(source);
        Assert.Collection(errors,
            e => Assert.Equal("step 'read': the tool 'filesystem/read_text_file' is not allowed for this run", e),
            e => Assert.Contains("step 'ask': delegation", e, StringComparison.Ordinal),
            e => Assert.Contains("step 'nothing': give 'tool'", e, StringComparison.Ordinal));
    }

    [Fact]
    public void Compile_ReadingAStepItDoesNotNeed_IsRefused()
    {
        var plan = new DirectorPlan([
            new PlanStep("a", Tool: "financial/pmt", Arguments: new JsonObject { ["rate"] = 0.01 }),
            new PlanStep("b", Tool: "utilities/math_evaluate", Arguments: new JsonObject { ["expression"] = "${{ steps.a.output }} * 2" }),
        ]);

        var (source, errors) = PlanCompiler.Compile(plan, "director-test", AllowAll);

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

        var (source, errors) = PlanCompiler.Compile(plan, "director-test", AllowAll);

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
