using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Interop;

/// <summary>
/// The official MCP conformance suite (<c>@modelcontextprotocol/conformance</c>) against the published Switchboard
/// executable (<see cref="PublishedGateway"/>), as the container image runs it. Its
/// expected-failures baseline is empty: every scenario must pass. The newest suite (<c>conformance-next</c>) runs exactly
/// what the 2026-07-28 revision requires, frozen at its release, the tasks extension's scenarios included; every one
/// must pass there too. The suite's CLI cannot send headers, so it talks
/// through <c>tests/interop/auth-proxy.mjs</c>, which adds an API key and changes nothing else.
/// </summary>
/// <remarks>
/// On the aggregated <c>/mcp</c> every tool and prompt is renamed <c>{server}__{name}</c>, so the scenarios that
/// look one up by its plain name cannot find it there. /mcp therefore runs the whole suite and must pass every
/// scenario that does not name a tool or prompt; the others are repeated with the prefix applied by the
/// TypeScript SDK test (<see cref="TypeScriptClientTests"/>, <c>tests/interop/ts-client.mjs</c>).
/// </remarks>
public sealed partial class ConformanceTests
{
    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromMinutes(5);

    private static readonly string[] NameIndependentScenarios =
    [
        "server-initialize", "logging-set-level", "ping", "tools-list", "server-sse-polling", "server-sse-multiple-streams",
        "resources-list", "resources-read-text", "resources-read-binary", "resources-templates-read",
        "resources-subscribe", "resources-unsubscribe", "prompts-list", "dns-rebinding-protection",
    ];

    // What every MCP server must do, whatever its tools: the scenarios that need no particular tool, prompt or resource.
    private static readonly string[] GenericScenarios =
    [
        "server-initialize", "logging-set-level", "ping", "tools-list", "server-sse-polling", "server-sse-multiple-streams",
        "resources-list", "prompts-list", "dns-rebinding-protection",
    ];

    private static readonly string NextSuite = Path.Combine("node_modules", "conformance-next", "dist", "index.js");

    // The 2026-07-28 scenarios that name no tool or prompt, so they run unchanged on /mcp; the others are repeated
    // there with the prefix by Protocol20260728Tests.
    private static readonly string[] NameIndependentRequirements =
    [
        "tools-list", "server-sse-multiple-streams", "resources-list", "resources-read-text", "resources-read-binary",
        "resources-templates-read", "sep-2164-resource-not-found", "prompts-list", "dns-rebinding-protection", "caching",
        "input-required-result-unsupported-methods", "http-header-validation", "http-custom-header-server-validation",
    ];

    [Fact]
    public async Task StandaloneEverythingServer_PassesEveryScenario()
    {
        await using var server = await PublishedGateway.StartEverythingAloneAsync();
        using var proxy = await NodeInterop.StartAuthProxyAsync(server);

        var outcome = await RunSuiteAsync(proxy.Endpoint("/mcp"));

        AssertAllPassed(outcome);
    }

    [Fact]
    public async Task GatewayServerEndpoint_PassesEveryScenario()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var proxy = await NodeInterop.StartAuthProxyAsync(gateway);

        var outcome = await RunSuiteAsync(proxy.Endpoint("/servers/everything/mcp"));

        AssertAllPassed(outcome);
    }

    [Fact]
    public async Task GatewayAggregate_PassesEveryNameIndependentScenario()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var proxy = await NodeInterop.StartAuthProxyAsync(gateway);

        var outcome = await RunSuiteAsync(proxy.Endpoint("/mcp"));

        AssertPassed(outcome, NameIndependentScenarios);
    }

    [Fact]
    public async Task StandaloneEverythingServer_MeetsThe20260728Requirements()
    {
        await using var server = await PublishedGateway.StartEverythingAloneAsync();
        using var proxy = await NodeInterop.StartAuthProxyAsync(server);

        var outcome = await RunRequirementsAsync(proxy.Endpoint("/mcp"));

        AssertRequirementsMet(outcome);
    }

    [Fact]
    public async Task GatewayServerEndpoint_MeetsThe20260728Requirements()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var proxy = await NodeInterop.StartAuthProxyAsync(gateway);

        var outcome = await RunRequirementsAsync(proxy.Endpoint("/servers/everything/mcp"));

        AssertRequirementsMet(outcome);
    }

    [Fact]
    public async Task GatewayAggregate_MeetsEveryNameIndependent20260728Requirement()
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var proxy = await NodeInterop.StartAuthProxyAsync(gateway);

        var outcome = await RunRequirementsAsync(proxy.Endpoint("/mcp"));

        AssertPassed(outcome, NameIndependentRequirements);
    }

    [Theory]
    [InlineData("financial")]
    [InlineData("utilities")]
    public async Task BuiltInServerEndpoint_PassesTheGenericScenarios(string server)
    {
        await using var gateway = await PublishedGateway.StartServeAsync();
        using var proxy = await NodeInterop.StartAuthProxyAsync(gateway);

        var outcome = await RunSuiteAsync(proxy.Endpoint($"/servers/{server}/mcp"));

        AssertPassed(outcome, GenericScenarios);
    }

    /// <summary>
    /// Runs exactly the scenarios the 2026-07-28 revision requires, frozen at its release, with the newest suite
    /// (<c>conformance-next</c> in tests/interop: an alias, beside 0.1.16 whose scenarios the other tests run).
    /// </summary>
    internal static async Task<SuiteOutcome> RunRequirementsAsync(Uri endpoint, string revision = "2026-07-28")
    {
        var (result, failedChecks) = await RunSuiteCommandAsync(NextSuite, ["server", "--url", endpoint.ToString(), "--requirements", revision]);
        string output = result.StandardOutput + result.StandardError + failedChecks;
        var scenarios = SummaryLine().Matches(output)
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["mark"].Value == "✓" && m.Groups["failed"].Value == "0");
        var planned = RequirementsLine().Match(output);
        Assert.True(planned.Success, $"The suite did not say which scenarios {revision} requires.{Environment.NewLine}{output}");
        Assert.True(int.Parse(planned.Groups["count"].Value, CultureInfo.InvariantCulture) == scenarios.Count, $"Not every required scenario reported a result.{Environment.NewLine}{output}");
        return new SuiteOutcome(result.ExitCode, scenarios, output);
    }

    // Every required scenario passes.
    internal static void AssertRequirementsMet(SuiteOutcome outcome)
    {
        Assert.True(outcome.Scenarios.Count > 0, $"The suite ran no scenario.{Environment.NewLine}{outcome.Output}");
        AssertPassed(outcome, outcome.Scenarios.Keys);
    }

    internal static async Task<SuiteOutcome> RunSuiteAsync(Uri endpoint, string suite = "all", string? scenario = null)
    {
        string[] selection = scenario is null ? ["--suite", suite] : ["--scenario", scenario];
        var (result, failedChecks) = await RunSuiteCommandAsync("conformance", ["server", "--url", endpoint.ToString(), .. selection]);
        var scenarios = SummaryLine().Matches(result.StandardOutput + result.StandardError)
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["mark"].Value == "✓" && m.Groups["failed"].Value == "0");
        return new SuiteOutcome(result.ExitCode, scenarios, result.Output + failedChecks);
    }

    // The suite prints only which scenarios failed; each scenario's checks.json (-o) says why. Their messages go into
    // the outcome's output, so that a failure (a rare one under load included) explains itself in the test log.
    private static async Task<(ProcessResult Result, string FailedChecks)> RunSuiteCommandAsync(string command, string[] arguments)
    {
        string results = Directory.CreateTempSubdirectory("conformance-results-").FullName;
        try
        {
            var result = await NodeInterop.RunAsync(command, [.. arguments, "-o", results], SuiteTimeout);
            return (result, FailedChecks(results));
        }
        finally
        {
            Directory.Delete(results, recursive: true);
        }
    }

    private static string FailedChecks(string resultsDirectory)
    {
        var failed = new List<string>();
        foreach (var file in Directory.EnumerateFiles(resultsDirectory, "checks.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using var checks = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var check in checks.RootElement.EnumerateArray())
            {
                string status = check.TryGetProperty("status", out var s) ? s.GetString() ?? "" : "";
                if (status is not ("SUCCESS" or "INFO" or "SKIPPED"))
                {
                    string message = check.TryGetProperty("errorMessage", out var m) ? m.GetString() ?? "" : "";
                    failed.Add($"  {Path.GetFileName(Path.GetDirectoryName(file))}: {check.GetProperty("id").GetString()} {status}: {message}");
                }
            }
        }

        return failed.Count == 0 ? "" : $"{Environment.NewLine}Failed checks:{Environment.NewLine}{string.Join(Environment.NewLine, failed)}";
    }

    internal static void AssertAllPassed(SuiteOutcome outcome)
    {
        Assert.True(outcome.Scenarios.Count > 0, $"The suite ran no scenario.{Environment.NewLine}{outcome.Output}");
        Assert.True(outcome.ExitCode == 0 && outcome.Scenarios.Values.All(p => p), $"Conformance failures:{Environment.NewLine}{outcome.Output}");
    }

    internal static void AssertPassed(SuiteOutcome outcome, IEnumerable<string> scenarios)
    {
        foreach (var scenario in scenarios)
        {
            Assert.True(outcome.Scenarios.TryGetValue(scenario, out bool passed), $"Scenario {scenario} did not run.{Environment.NewLine}{outcome.Output}");
            Assert.True(passed, $"Scenario {scenario} failed.{Environment.NewLine}{outcome.Output}");
        }
    }

    // "Running requirements 2026-07-28 (50 scenarios) against …"
    [GeneratedRegex(@"^Running requirements \S+ \((?<count>\d+) scenarios\)", RegexOptions.Multiline)]
    private static partial Regex RequirementsLine();

    internal sealed record SuiteOutcome(int ExitCode, IReadOnlyDictionary<string, bool> Scenarios, string Output);

    // The suite's summary: "✓ tools-list: 1 passed, 0 failed".
    [GeneratedRegex(@"^(?<mark>[✓✗]) (?<name>[a-z0-9-]+): \d+ passed, (?<failed>\d+) failed", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
