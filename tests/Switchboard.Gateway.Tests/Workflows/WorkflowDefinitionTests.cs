using System.Text.Json.Nodes;
using Switchboard.Storage.Workflows;
using Switchboard.Workflows.Definitions;
using Switchboard.Workflows.Engine;

namespace Switchboard.Gateway.Tests.Workflows;

/// <summary>Definitions, expressions and the scheduler's decisions, without a database.</summary>
public sealed class WorkflowDefinitionTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Json_ParsesLikeYaml_WithLineNumbersInErrors()
    {
        const string Json = """
            {
              "name": "j",
              "steps": [
                { "id": "a", "tool": "s/t", "arguments": { "x": "${{ inputs.nope }}" } }
              ]
            }
            """;

        var error = Assert.Throws<WorkflowDefinitionException>(() => WorkflowValidator.ParseAndValidate(Json, _ => true));

        var only = Assert.Single(error.Errors);
        Assert.Equal(4, only.Position.Line);
        Assert.Contains("input 'nope'", only.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("${{ inputs.list }}", "[1,2]")]
    [InlineData("n=${{ inputs.list[1] }}!", "\"n=2!\"")]
    [InlineData("${{ inputs.obj.name == 'ada' }}", "true")]
    [InlineData("${{ inputs.list[0] != 1 }}", "false")]
    [InlineData("${{ inputs.obj.missing.deeper }}", "null")]
    public void Template_Evaluates_FieldAccessOnly(string text, string expected)
    {
        Assert.True(Template.TryParse(text, out var template, out var error), error);
        var scope = new JsonObject { ["inputs"] = new JsonObject { ["list"] = new JsonArray(1, 2), ["obj"] = new JsonObject { ["name"] = "ada" } } };

        Assert.Equal(expected, template.Evaluate(scope)?.ToJsonString() ?? "null");
    }

    [Theory]
    [InlineData("${{ env.HOME }}", "'env' is not known")]
    [InlineData("${{ inputs.x + 1 }}", "expected the end")]
    [InlineData("${{ inputs.x", "no closing")]
    [InlineData("${{ inputs.x[a] }}", "an index is a number")]
    [InlineData("${{ inputs.x == system('ls') }}", "is not a literal")]
    public void Template_RefusesAnythingButPaths(string text, string message)
    {
        Assert.False(Template.TryParse(text, out _, out var error));
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void FanOut_KeepsAtMostConcurrencyItemsInFlight_AndFansInInOrder()
    {
        var definition = WorkflowParser.Parse("""
            name: f
            inputs: { items: }
            steps:
              - id: each
                foreach: "${{ inputs.items }}"
                concurrency: 8
                do: { tool: s/t, arguments: { v: "${{ item }}" } }
            """);
        var items = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)i)]);
        var run = new WorkflowRun("r", "f", 1, "p", [], new JsonObject { ["items"] = items }.ToJsonString(), RunState.Running, null, Now, Now, null);
        var snapshot = RunScheduler.Advance(new RunSnapshot(run, RunScheduler.InitialSteps(definition)), definition, Now);

        for (int round = 0; snapshot.Run.State == RunState.Running; round++)
        {
            var inFlight = snapshot.Steps.Where(s => s.State is StepState.Scheduled or StepState.Running).ToList();
            Assert.InRange(inFlight.Count, 1, 8);
            // Three of them complete; the scheduler tops the fan-out back up.
            var done = inFlight.Take(3).ToDictionary(s => s.Key, s => s with { State = StepState.Completed, Output = $"\"{s.Input}\"" });
            snapshot = RunScheduler.Advance(snapshot with { Steps = [.. snapshot.Steps.Select(s => done.GetValueOrDefault(s.Key, s))] }, definition, Now);
            Assert.True(round < 100, "the fan-out never finished");
        }

        Assert.Equal(RunState.Completed, snapshot.Run.State);
        var output = JsonNode.Parse(snapshot.Step("each")!.Output!)!.AsArray();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), output.Select(o => o!.GetValue<string>()));
    }

    [Fact]
    public void FanOut_OverMaxForeachItems_FailsTheStepWithoutExpanding_AndSaysWhichSettingBoundsIt()
    {
        var definition = WorkflowParser.Parse("""
            name: f
            inputs: { items: }
            steps:
              - id: each
                foreach: "${{ inputs.items }}"
                do: { tool: s/t }
            """);
        var run = new WorkflowRun("r", "f", 1, "p", [], new JsonObject { ["items"] = new JsonArray(1, 2, 3, 4) }.ToJsonString(), RunState.Running, null, Now, Now, null);

        var snapshot = RunScheduler.Advance(new RunSnapshot(run, RunScheduler.InitialSteps(definition)), definition, Now, maxForeachItems: 3);

        Assert.Equal(RunState.Failed, snapshot.Run.State);
        var each = Assert.Single(snapshot.Steps);
        Assert.Equal(StepState.Failed, each.State);
        Assert.Contains("has 4 items; one foreach takes at most 3 (Workflows:MaxForeachItems)", each.Error, StringComparison.Ordinal);

        // At the bound, the list expands.
        var expanded = RunScheduler.Advance(new RunSnapshot(run, RunScheduler.InitialSteps(definition)), definition, Now, maxForeachItems: 4);
        Assert.Equal(StepState.Waiting, expanded.Step("each")!.State);
        Assert.Equal(4, expanded.Steps.Count(s => s.Key.StartsWith("each[", StringComparison.Ordinal)));
    }

    [Fact]
    public void AFailedStep_CompensatesCompletedSteps_OneAtATime_LatestFirst()
    {
        var definition = WorkflowParser.Parse("""
            name: s
            steps:
              - { id: a, tool: s/t, compensate: { tool: s/undo } }
              - { id: b, tool: s/t, compensate: { tool: s/undo } }
              - { id: c, tool: s/t }
            """);
        var run = new WorkflowRun("r", "s", 1, "p", [], "{}", RunState.Running, null, Now, Now, null);
        var steps = RunScheduler.InitialSteps(definition).Select(s => s.Key == "c" ? s with { State = StepState.Failed, Error = "boom" } : s with { State = StepState.Completed, Output = "1" }).ToList();

        var first = RunScheduler.Advance(new RunSnapshot(run, steps), definition, Now);
        Assert.Equal(RunState.Compensating, first.Run.State);
        Assert.Equal(StepState.Scheduled, first.Step("b~compensate")!.State);
        Assert.Null(first.Step("a~compensate"));

        var second = RunScheduler.Advance(Complete(first, "b~compensate"), definition, Now);
        Assert.Equal(StepState.Scheduled, second.Step("a~compensate")!.State);

        var last = RunScheduler.Advance(Complete(second, "a~compensate"), definition, Now);
        Assert.Equal(RunState.Failed, last.Run.State);
        Assert.Contains("'c' failed: boom", last.Run.Error, StringComparison.Ordinal);
    }

    private static RunSnapshot Complete(RunSnapshot s, string key) =>
        s with { Steps = [.. s.Steps.Select(r => r.Key == key ? r with { State = StepState.Completed } : r)] };
}
