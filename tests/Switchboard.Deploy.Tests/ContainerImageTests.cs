using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Switchboard.Testing;

namespace Switchboard.Deploy.Tests;

/// <summary>
/// The image built from <c>deploy/docker/Dockerfile</c> (issue 13), run with podman: hardened as promised, healthy
/// by its own HEALTHCHECK, serving authenticated tool calls, conformant, and stopping gracefully.
/// </summary>
[Collection(OneAtATime.Name)]
public sealed partial class ContainerImageTests(ContainerFixture container) : IClassFixture<ContainerFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Image_DeclaresANonRootUser_ItsHealthcheck_Labels_AndCarriesNoShell()
    {
        Podman.SkipIfUnavailable();
        var image = await Podman.InspectAsync("image", DeployEnvironment.Image);
        var config = image.GetProperty("Config");
        var labels = config.GetProperty("Labels");

        Assert.Equal("1654", config.GetProperty("User").GetString());
        Assert.Equal(["/app/switchboard", "healthcheck", "--url", "http://127.0.0.1:8080/healthz/ready"], HealthcheckCommand(image));
        Assert.Equal(Environment.GetEnvironmentVariable("SWITCHBOARD_DEPLOY_IMAGE_VERSION"), labels.GetProperty("org.opencontainers.image.version").GetString());
        Assert.Equal(Environment.GetEnvironmentVariable("SWITCHBOARD_DEPLOY_IMAGE_REVISION"), labels.GetProperty("org.opencontainers.image.revision").GetString());
        Assert.True(labels.TryGetProperty("org.opencontainers.image.source", out _));
        Assert.Contains("/data", config.GetProperty("Volumes").EnumerateObject().Select(v => v.Name));
        DeployEnvironment.Report($"image size {image.GetProperty("Size").GetInt64() / 1_000_000.0:F0} MB (stand-in base images)");

        var shell = await Podman.TryAsync("run", "--rm", "--entrypoint", "/bin/sh", DeployEnvironment.Image, "-c", "true");
        Assert.NotEqual(0, shell.ExitCode);
    }

    [Fact]
    public async Task Container_RunsReadOnly_AsTheArbitraryUidItWasGiven_AndPassesItsHealthcheck()
    {
        Podman.SkipIfUnavailable();
        var inspected = await Podman.InspectAsync("container", container.Name);
        string processUser = (await Podman.RunAsync("top", container.Name, "huser")).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1].Trim();
        var healthcheck = await Podman.TryAsync("healthcheck", "run", container.Name);

        Assert.True(inspected.GetProperty("HostConfig").GetProperty("ReadonlyRootfs").GetBoolean());
        Assert.Equal("10001", inspected.GetProperty("Config").GetProperty("User").GetString());
        Assert.Equal("10001", processUser);
        Assert.True(healthcheck.ExitCode == 0, $"podman healthcheck run: {healthcheck.Output}{Environment.NewLine}{await container.LogsAsync()}");
    }

    [Fact]
    public async Task Container_AnswersAnAuthenticatedToolCall_AndRefusesOneWithoutAKey()
    {
        Podman.SkipIfUnavailable();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var endpoint = new Uri(container.BaseAddress, "/mcp");

        string? failure = await ToolCall.SendAsync(http, endpoint, container.AdminKey, 1, Ct);
        string? refused = await ToolCall.SendAsync(http, endpoint, "sbk_AAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 2, Ct);

        Assert.True(failure is null, $"{failure}{Environment.NewLine}{await container.LogsAsync()}");
        Assert.StartsWith("HTTP 401", refused, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Container_PassesTheConformanceSuitesActiveScenarios()
    {
        Podman.SkipIfUnavailable();
        using var proxy = await AuthProxy.StartAsync(container.BaseAddress, container.AdminKey);

        var result = await ProcessRunner.RunAsync(
            Path.Combine(DeployEnvironment.Interop, "node_modules", ".bin", "conformance"),
            ["server", "--url", new Uri(proxy.BaseAddress, "/servers/everything/mcp").ToString(), "--suite", "active"],
            TimeSpan.FromMinutes(5),
            DeployEnvironment.Interop,
            AuthProxy.NodeEnvironment,
            Ct);
        var scenarios = SummaryLine().Matches(result.StandardOutput + result.StandardError)
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["mark"].Value == "✓" && m.Groups["failed"].Value == "0");
        DeployEnvironment.Report($"conformance --suite active through the container: {scenarios.Values.Count(p => p)} of {scenarios.Count} scenarios passed");

        Assert.True(scenarios.Count > 0, $"The suite ran no scenario.{Environment.NewLine}{result.Output}");
        Assert.True(result.ExitCode == 0 && scenarios.Values.All(p => p), $"Conformance failures:{Environment.NewLine}{result.Output}");
    }

    [Fact]
    public async Task Container_PodmanStop_DrainsAndExitsZero()
    {
        Podman.SkipIfUnavailable();
        string name = $"switchboard-stop-{Guid.NewGuid():N}"[..32];
        int port = LoopbackPort.Next();
        try
        {
            await Podman.RunAsync(
                "run", "--detach", "--name", name, "--read-only", "--tmpfs", "/data:rw,mode=1777",
                "--publish", string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{port}:8080"),
                "--env", "SWITCHBOARD__Shutdown__NotReadyDelay=00:00:02",
                DeployEnvironment.Image);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            await Poll.UntilAsync(async () => await IsReadyAsync(http, port), TimeSpan.FromSeconds(120), "The container was not ready");

            var stopwatch = Stopwatch.StartNew();
            await Podman.RunAsync("stop", "--time", "30", name);
            var state = (await Podman.InspectAsync("container", name)).GetProperty("State");
            string logs = (await Podman.TryAsync("logs", name)).Output;

            Assert.True(state.GetProperty("ExitCode").GetInt32() == 0, $"Exit code {state.GetProperty("ExitCode")}:{Environment.NewLine}{logs}");
            Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(2), $"It stopped after {stopwatch.Elapsed}, before Shutdown:NotReadyDelay.");
            Assert.Contains("SIGTERM: readiness now fails", logs, StringComparison.Ordinal);
        }
        finally
        {
            await Podman.TryAsync("rm", "--force", "--time", "0", name);
        }
    }

    private static async Task<bool> IsReadyAsync(HttpClient http, int port)
    {
        try
        {
            using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/healthz/ready"));
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static string[] HealthcheckCommand(JsonElement image)
    {
        // podman shows a Docker-format image's HEALTHCHECK as Healthcheck.Test: "CMD", then the command.
        var test = image.GetProperty("Healthcheck").GetProperty("Test");
        return [.. test.EnumerateArray().Select(e => e.GetString()!).SkipWhile(s => s is "CMD")];
    }

    // The suite's summary: "✓ tools-list: 1 passed, 0 failed".
    [GeneratedRegex(@"^(?<mark>[✓✗]) (?<name>[a-z0-9-]+): \d+ passed, (?<failed>\d+) failed", RegexOptions.Multiline)]
    private static partial Regex SummaryLine();
}
