using System.Text.Json.Nodes;
using Switchboard.Gateway.Tests.Agents.Llm;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Agents.Director;

/// <summary>
/// The Director end to end through the published executable (<c>switchboard director</c>), its model the fake LLM
/// over HTTP: a goal that needs the financial and utilities servers is planned, run as a workflow, re-planned when a
/// step fails, and answered.
/// </summary>
public sealed class DirectorTests(FakeLlmFixture fixture) : IClassFixture<FakeLlmFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("switchboard-director-").FullName;

    private FakeLlmServer Fake => fixture.Server;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Goal_FailingStep_IsReplannedRunAndAnswered()
    {
        const string goal = "What do I pay in total on a 10,000 loan at 8% a year over 10 monthly payments?";
        await Fake.ScriptAsync(
            Plan(Step("payment", "financial/pmt", new JsonObject { ["rate"] = 0.08 / 12, ["periods"] = 10, ["presentValue"] = 10000 }),
                 Step("total", "utilities/math_evaluate", new JsonObject { ["expression"] = "${{ steps.payment.output }} * (10" }, "payment")),
            Plan(Step("payment", "financial/pmt", new JsonObject { ["rate"] = 0.08 / 12, ["periods"] = 10, ["presentValue"] = 10000 }),
                 Step("total", "utilities/math_evaluate", new JsonObject { ["expression"] = "${{ steps.payment.output }} * 10" }, "payment")),
            new JsonObject { ["text"] = "You pay 10,370.32 in total." });

        var result = await RunDirectorAsync("--goal", goal);

        Assert.True(result["succeeded"]!.GetValue<bool>(), result.ToJsonString());
        Assert.Equal("You pay 10,370.32 in total.", result["answer"]!.GetValue<string>());
        double payment = result["outputs"]!["payment"]!.GetValue<double>();
        Assert.Equal(-1037.03, payment, 2);
        Assert.Contains("-10370.32", result["outputs"]!["total"]!.ToJsonString(), StringComparison.Ordinal);
        string[] events = [.. result["trace"]!.AsArray().Select(e => e!["event"]!.GetValue<string>())];
        Assert.Equal(["plan", "run-started", "step-failed", "plan", "run-started", "run-completed", "answer"], events);
        Assert.Contains("'total' failed", result["trace"]![2]!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(3 * 11, result["usage"]!["inputTokenCount"]!.GetValue<long>());

        // The model was given the goal and the tools, then the failure to re-plan from, then the results to answer from.
        var requests = await Fake.RequestsAsync();
        Assert.Equal(3, requests.Count);
        string first = Strings(requests[0]!["body"]);
        Assert.Contains("financial/pmt", first, StringComparison.Ordinal);
        Assert.Contains("utilities/math_evaluate", first, StringComparison.Ordinal);
        Assert.Contains("10 monthly payments", first, StringComparison.Ordinal);
        Assert.Contains("'total' failed", Strings(requests[1]!["body"]), StringComparison.Ordinal);
        Assert.Contains("-10370.32", Strings(requests[2]!["body"]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_WithAToolThePrincipalMayNotCall_IsRefusedBeforeItRuns()
    {
        string plan = Path.Combine(_directory, "plan.json");
        await File.WriteAllTextAsync(plan, Plan(Step("read", "filesystem/read_text_file", new JsonObject { ["path"] = "secret.txt" }))["text"]!.GetValue<string>(), Ct);
        await Fake.ScriptAsync();

        var result = await RunDirectorAsync("--plan", plan, "--role", "viewer", "--max-replans", "0");

        Assert.False(result["succeeded"]!.GetValue<bool>());
        Assert.Contains("filesystem/read_text_file", result["error"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(["plan", "plan-refused"], result["trace"]!.AsArray().Select(e => e!["event"]!.GetValue<string>()));
        Assert.Empty(await Fake.RequestsAsync());
    }

    private async Task<JsonObject> RunDirectorAsync(params string[] arguments)
    {
        string[] roles = arguments.Contains("--role") ? [] : ["--role", "admin"];
        var run = await ProcessRunner.RunAsync(
            PublishedSwitchboard.Path,
            [
                "director", .. arguments, .. roles, "--principal", "alice", "--provider", "fake", "--urls", LoopbackPort.NextUrl(),
                $"--Storage:DataDirectory={_directory}",
                "--Agents:Providers:fake:Kind=openai", $"--Agents:Providers:fake:Endpoint={Fake.OpenAIEndpoint}",
                "--Agents:Providers:fake:Model=fake-planner", "--Agents:Providers:fake:ApiKey=sk-director",
            ],
            TimeSpan.FromMinutes(2),
            cancellationToken: Ct);
        string? line = run.StandardOutput.Split('\n').LastOrDefault(l => l.StartsWith("{\"succeeded\"", StringComparison.Ordinal));
        Assert.True(line is not null, run.Output);
        return JsonNode.Parse(line)!.AsObject();
    }

    // The text of every string in a request body, unescaped (the SDK writes ' as \u0027).
    private static string Strings(JsonNode? node) => node switch
    {
        JsonObject o => string.Join('\n', o.Select(p => Strings(p.Value))),
        JsonArray a => string.Join('\n', a.Select(Strings)),
        JsonValue v when v.TryGetValue(out string? text) => text,
        _ => string.Empty,
    };

    private static JsonObject Plan(params JsonObject[] steps) =>
        new() { ["text"] = new JsonObject { ["steps"] = new JsonArray(steps) }.ToJsonString() };

    private static JsonObject Step(string id, string tool, JsonObject arguments, params string[] needs) => new()
    {
        ["id"] = id,
        ["tool"] = tool,
        ["arguments"] = arguments,
        ["needs"] = new JsonArray([.. needs.Select(n => JsonValue.Create(n))]),
    };

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
