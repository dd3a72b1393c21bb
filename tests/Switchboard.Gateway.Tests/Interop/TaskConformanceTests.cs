namespace Switchboard.Gateway.Tests.Interop;

/// <summary>
/// The conformance suite's <c>tasks-*</c> scenarios (SEP-2663, suite 0.2.0-alpha.12) against the everything server
/// alone and through the gateway. They are extension scenarios, outside the spec timeline, so each is run by name
/// with <c>--force</c>. <c>tasks-status-notifications</c> is left out: the suite skips it (pending its
/// subscriptions/listen rewrite), so it proves nothing.
/// </summary>
public sealed class TaskConformanceTests
{
    private static readonly string[] TaskScenarios =
    [
        "tasks-lifecycle", "tasks-capability-negotiation", "tasks-wire-fields", "tasks-request-state-removal", "tasks-mrtr-input",
        "tasks-request-headers", "tasks-dispatch-and-envelope", "tasks-required-task-error", "tasks-mrtr-composition",
    ];

    [Fact]
    public async Task StandaloneEverythingServer_PassesEveryTasksScenario()
    {
        await using var server = await PublishedGateway.StartEverythingAloneAsync();
        using var proxy = await NodeInterop.StartAuthProxyAsync(server);

        await AssertTasksScenariosPassAsync(proxy.Endpoint("/mcp"));
    }

    [Fact]
    public async Task GatewayServerEndpoint_PassesEveryTasksScenario()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var proxy = await NodeInterop.StartAuthProxyAsync(gateway);

        await AssertTasksScenariosPassAsync(proxy.Endpoint("/servers/everything/mcp"));
    }

    private static async Task AssertTasksScenariosPassAsync(Uri endpoint)
    {
        foreach (string scenario in TaskScenarios)
        {
            var result = await NodeInterop.RunAsync(
                "conformance", ["server", "--url", endpoint.ToString(), "--spec-version", "2026-07-28", "--force", "--scenario", scenario], TimeSpan.FromMinutes(2));
            string output = result.StandardOutput + result.StandardError;
            Assert.True(result.ExitCode == 0 && output.Contains(", 0 failed", StringComparison.Ordinal) && !output.Contains("Passed: 0/0", StringComparison.Ordinal), $"{scenario} failed:{Environment.NewLine}{output}");
        }
    }
}
