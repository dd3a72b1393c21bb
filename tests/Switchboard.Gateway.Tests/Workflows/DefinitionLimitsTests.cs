using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Agents.Runtime;
using Switchboard.Workflows.Definitions;

namespace Switchboard.Gateway.Tests.Workflows;

/// <summary>
/// Hostile definitions (security probe wf, D1, D4, D6, D10): each is refused with a definition error at its line, not
/// a stack overflow that ends the process, gigabytes of aliases, or an exception that becomes a 500.
/// </summary>
public sealed class DefinitionLimitsTests
{
    // A tool step whose arguments hold `value`, on line 5.
    private static string WithArguments(string value) => $"name: w\nsteps:\n  - id: a\n    tool: s/t\n    arguments: {{x: {value}}}\n";

    private static WorkflowDefinitionException Refused(string source) =>
        Assert.Throws<WorkflowDefinitionException>(() => WorkflowValidator.ParseAndValidate(source, _ => true));

    [Fact]
    public void NestingFarPastTheLimit_IsRefusedAtItsLine_WithoutOverflowingTheStack()
    {
        // 100,000 levels: YamlStream's recursive node construction overflows the stack on this.
        var error = Assert.Single(Refused(WithArguments(new string('[', 100_000) + new string(']', 100_000))).Errors);

        Assert.Equal(new SourcePosition(5, 80), error.Position); // the first list past level 64
        Assert.Contains($"nests deeper than {DefinitionLimits.MaxDepth} levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AChainOfNeedsAsLongAsTheStepLimit_IsValidated_AndOneStepMoreIsRefused()
    {
        // Each step needs the one before: the cycle check follows the chain recursively.
        static string Chain(int steps) => "name: long\nsteps:\n  - id: s0\n    wait: 1s\n"
            + string.Concat(Enumerable.Range(1, steps - 1).Select(i => $"  - id: s{i}\n    needs: [s{i - 1}]\n    wait: 1s\n"));

        Assert.Equal(WorkflowValidator.MaxSteps, WorkflowValidator.ParseAndValidate(Chain(WorkflowValidator.MaxSteps), _ => true).Steps.Count);

        var error = Assert.Single(Refused(Chain(WorkflowValidator.MaxSteps + 1)).Errors);
        Assert.Contains($"at most {WorkflowValidator.MaxSteps:N0} steps; this one has {WorkflowValidator.MaxSteps + 1:N0}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingUpToTheLimit_Parses_AndOneLevelMoreIsRefused()
    {
        // The workflow's mapping, steps, the step and arguments are 4 levels; x's lists make up the rest.
        static string Nested(int lists) => WithArguments(new string('[', lists) + "1" + new string(']', lists));

        var deepest = WorkflowParser.Parse(Nested(DefinitionLimits.MaxDepth - 4)).Steps[0].Arguments!;
        Assert.NotNull(JsonNode.Parse(deepest.ToJsonString())); // within System.Text.Json's default depth, where it is read back

        var error = Assert.Single(Refused(Nested(DefinitionLimits.MaxDepth - 3)).Errors);
        Assert.Equal(5, error.Position.Line);
        Assert.Contains("nests deeper", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AliasBomb_IsRefusedQuickly_AtTheAliasThatGoesOverTheBudget()
    {
        // laugh.py 7 9: nine levels of nine aliases each, 494 bytes; 387 million values once expanded.
        string source = "name: lol\ninputs:\n  x:\n    default:\n      a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            + string.Concat(Enumerable.Range(1, 8).Select(i => $"      a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 9))}]\n"))
            + "steps:\n  - id: a\n    wait: 1s\n";
        // Refused at the budget, not after the expansion: a walk of 387 million values would not end within the test.
        var error = Assert.Single(Refused(source).Errors);

        Assert.Contains($"expands to more than {DefinitionLimits.MaxValues:N0} values", error.Message, StringComparison.Ordinal);
        Assert.InRange(error.Position.Line, 7, 13);
    }

    [Fact]
    public void LongTextRepeatedByAliases_IsRefusedByItsCharacters()
    {
        string source = $"name: w\nsteps:\n  - id: a\n    tool: s/t\n    arguments:\n      t: &t {new string('x', 10_000)}\n      r: [{string.Join(", ", Enumerable.Repeat("*t", 200))}]\n";

        var error = Assert.Single(Refused(source).Errors);

        Assert.True(error.Message.Contains($"more than {DefinitionLimits.MaxChars:N0} characters", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public void AnAliasInsideWhatItRefersTo_IsRefused()
    {
        var error = Assert.Single(Refused(WithArguments("&l [1, *l]")).Errors);

        Assert.Contains("'*l' is inside the mapping or list it refers to", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("name: f\nsteps:\n  - id: a\n    wait: 99999999999d\n", 4, 11, "at most 365d")]
    [InlineData("name: f\nsteps:\n  - id: a\n    tool: s/t\n    timeout: 999999999999999d\n", 5, 14, "at most 365d")]
    [InlineData("name: f\nsteps:\n  - id: a\n    tool: s/t\n    retry: {backoff: 99999999999999999d}\n", 5, 22, "at most 365d")]
    [InlineData("name: f\nsteps:\n  - id: a\n    tool: s/t\n    arguments: {[a]: 1}\n", 5, 17, "a mapping key is text")]
    [InlineData("name: f\nsteps:\n  - id: a\n    tool: s/t\n    arguments: {? {x: 1} : 2}\n", 5, 19, "a mapping key is text")]
    [InlineData("name: f\nsteps:\n  - id: a\n    tool: s/t\n    arguments: {x: &l [1], *l : 2}\n", 5, 28, "a mapping key is text")]
    [InlineData("name: f\ninputs: {? [z] : {default: 1}}\nsteps:\n  - id: a\n    wait: 1s\n", 2, 12, "a mapping key is text")]
    [InlineData("name: f\nsteps:\n  - id: a\n    tool: s/t\n    arguments: {a: 1, !!str a: 2}\n", 5, 23, "'a' is given twice")]
    [InlineData("name: f\nsteps:\n  - id: a\n    tool: s/t\n    arguments: {1: x, \"1\": y}\n", 5, 23, "'1' is given twice")]
    [InlineData("name: f\nsteps:\n  - id: a\n    agent: {instructions: x, budget: {wall_time: 99999999999d}}\n", 4, 50, "at most 365d")]
    [InlineData("name: f\nsteps:\n  - id: a\n    agent: {instructions: x, approval_timeout: 99999999999d}\n", 4, 48, "at most 365d")]
    [InlineData("name: f\nsteps:\n  - id: a\n    agent: {instructions: x, output_schema: {? [a] : 1}}\n", 4, 48, "a mapping key is text")]
    public void DefinitionsThatThrewInTheParser_AreDefinitionErrorsAtTheirLine(string source, int line, int column, string message)
    {
        var error = Assert.Single(Refused(source).Errors);

        Assert.Equal((new SourcePosition(line, column), true), (error.Position, error.Message.Contains(message, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("1e999")]
    [InlineData("NaN")]
    [InlineData("-Infinity")]
    public void NumbersJsonCannotHold_StayText(string value)
    {
        var arguments = WorkflowParser.Parse(WithArguments(value)).Steps[0].Arguments!;

        Assert.Equal(JsonValueKind.String, arguments["x"]!.GetValueKind());
        Assert.Equal($$"""{"x":"{{value}}"}""", arguments.ToJsonString());
    }

    [Fact]
    public void AnAgentsDurations_AtTheBound_AreRead()
    {
        var step = WorkflowParser.Parse("name: f\nsteps:\n  - id: a\n    agent: {instructions: x, budget: {wall_time: 365d}, approval_timeout: 8760h}\n").Steps[0];

        var spec = AgentSpec.FromJson(step.Agent!);
        Assert.Equal((TimeSpan.FromDays(365), TimeSpan.FromDays(365)), (spec.Budget.WallTime, spec.ApprovalTimeout));
        Assert.IsType<JsonObject>(step.Agent!["budget"]);
    }
}
