using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;
using static Switchboard.Gateway.Tests.Workflows.RunsApi;

namespace Switchboard.Gateway.Tests.Workflows;

/// <summary>
/// Wait steps for a named event, with the published executable on SQLite: an event delivered before its step waits,
/// one delivered by the CLI after the gateway was killed and started again, a wait that times out, and definitions
/// refused with the line of the mistake.
/// </summary>
public sealed class WorkflowEventTests
{
    private const string Shipping = """
        name: shipping
        steps:
          - id: pause
            wait: 1s
          - id: packed
            wait: { event: packed }
          - id: shipped
            wait:
              event: shipped
          - id: notify
            tool: everything/greet
            arguments:
              name: "${{ steps.shipped.output.data.tracking }} after ${{ steps.packed.output.event }}"
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WaitForEvent_DeliveredEarlyAndAfterARestart_CompletesTheRun()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync();
        using (var admin = Client(gateway, cluster.AdminKey))
        {
            Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("workflows", new { source = Shipping }, Ct)).StatusCode);
            string runId = await StartAsync(admin, "shipping");

            // 'packed' is still pending behind the pause: the event is kept and completes it when it starts waiting.
            using (var early = await admin.PostAsJsonAsync($"runs/{runId}/events", new { @event = "packed" }, Ct))
            {
                Assert.Equal(HttpStatusCode.OK, early.StatusCode);
            }

            using (var unknown = await admin.PostAsJsonAsync($"runs/{runId}/events", new { @event = "lost" }, Ct))
            {
                Assert.Equal(HttpStatusCode.Conflict, unknown.StatusCode);
            }

            await WaitForAsync(admin, runId, r => State(r, "shipped") == "waiting", "the run never waited for 'shipped'");
            Assert.Equal("completed", State(await GetAsync(admin, runId), "packed"));

            // The wait is rows in the database: a gateway killed while it waits loses nothing.
            await gateway.SignalAsync("KILL");
            await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));
            gateway = await cluster.StartServeAsync();
            var delivered = await ProcessRunner.RunAsync(
                GatewayProcess.Executable,
                ["runs", "event", runId, "shipped", "--data", """{"tracking":"T-42"}"""],
                Finish,
                cluster.Directory,
                new Dictionary<string, string> { ["SWITCHBOARD_URL"] = gateway.Url, ["SWITCHBOARD_API_KEY"] = cluster.AdminKey },
                Ct);
            Assert.True(delivered.ExitCode == 0, delivered.Output);

            using var after = Client(gateway, cluster.AdminKey);
            var done = await WaitForAsync(after, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the run never finished");
            Assert.Equal("completed", done.GetProperty("state").GetString());
            Assert.Equal("Hello, T-42 after packed!", Step(done, "notify").GetProperty("output").GetString());
            Assert.Equal("shipped", Step(done, "shipped").GetProperty("output").GetProperty("event").GetString());

            using var late = await after.PostAsJsonAsync($"runs/{runId}/events", new { @event = "shipped" }, Ct);
            Assert.Equal(HttpStatusCode.Conflict, late.StatusCode);
            Assert.Contains("has completed", await late.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task WaitForEvent_TimeoutAndBadDefinitions()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync();
        using var admin = Client(gateway, cluster.AdminKey);
        const string Late = """
            name: late
            steps:
              - id: reply
                wait: { event: reply }
                timeout: 1s
            """;
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("workflows", new { source = Late }, Ct)).StatusCode);
        string runId = await StartAsync(admin, "late");
        var done = await WaitForAsync(admin, runId, r => r.GetProperty("state").GetString() is "completed" or "failed", "the wait never timed out");
        Assert.Equal("failed", done.GetProperty("state").GetString());
        Assert.Equal("the event 'reply' did not arrive before the step's timeout", Step(done, "reply").GetProperty("error").GetString());

        const string Bad = """
            name: bad_waits
            steps:
              - id: a
                wait: { event: "not a name" }
              - id: b
                wait: { event: ok, duration: 1s }
              - id: c
                wait: 30s
                timeout: 1m
            """;
        using var refused = await admin.PostAsJsonAsync("workflows", new { source = Bad }, Ct);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct));
        var errors = problem.RootElement.GetProperty("errors").EnumerateArray().Select(e => (e.GetProperty("line").GetInt32(), e.GetProperty("message").GetString()!)).ToList();
        Assert.Contains(errors, e => e.Item1 == 4 && e.Item2.Contains("the event name 'not a name'", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Item1 == 6 && e.Item2.Contains("duration", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Item1 == 9 && e.Item2.Contains("'timeout' does not belong on a wait for a duration", StringComparison.Ordinal));
    }

    private static string? State(JsonElement run, string key) => Step(run, key).GetProperty("state").GetString();

}
