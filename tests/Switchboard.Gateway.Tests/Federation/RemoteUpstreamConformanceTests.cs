using Switchboard.Gateway.Tests.Interop;
using Switchboard.Gateway.Tests.Protocol;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// The conformance suites through the gateway to <c>switchboard mcp everything</c> registered as a remote HTTP
/// upstream (<c>/servers/remote/mcp</c>), compared with the same server called directly: the same scenarios, with the
/// same outcome, the tasks extension's included (a remote tool's task is the gateway's own durable task following the
/// upstream's, see docs/federation.md, "Tasks through a remote upstream").
/// </summary>
public sealed class RemoteUpstreamConformanceTests
{
    [Fact]
    public async Task RemoteUpstream_Meets20260728RequirementsAsDirect()
    {
        await using var upstream = await PublishedGateway.StartEverythingAloneAsync();
        await using var gateway = await StartGatewayInFrontOfAsync(upstream);
        using var directProxy = await NodeInterop.StartAuthProxyAsync(upstream);
        using var gatewayProxy = await NodeInterop.StartAuthProxyAsync(gateway);

        var direct = await ConformanceTests.RunRequirementsAsync(directProxy.Endpoint("/mcp"));
        var remote = await ConformanceTests.RunRequirementsAsync(gatewayProxy.Endpoint("/servers/remote/mcp"));

        ConformanceTests.AssertRequirementsMet(direct);
        Assert.True(
            direct.Scenarios.OrderBy(s => s.Key, StringComparer.Ordinal).SequenceEqual(remote.Scenarios.OrderBy(s => s.Key, StringComparer.Ordinal)),
            $"Through the remote upstream the outcome differs from direct.{Environment.NewLine}{remote.Output}");
    }

    [Fact]
    public async Task RemoteUpstream_PassesTheActiveSuiteAsDirect()
    {
        await using var upstream = await PublishedGateway.StartEverythingAloneAsync();
        await using var gateway = await StartGatewayInFrontOfAsync(upstream);
        using var gatewayProxy = await NodeInterop.StartAuthProxyAsync(gateway);

        var remote = await ConformanceTests.RunSuiteAsync(gatewayProxy.Endpoint("/servers/remote/mcp"), suite: "active");

        // Sampling, elicitation and logging of a session-based caller go through an upstream session of its own.
        ConformanceTests.AssertPassed(remote, remote.Scenarios.Keys);
        Assert.Equal(30, remote.Scenarios.Count);
    }

    private static async Task<PublishedGateway> StartGatewayInFrontOfAsync(PublishedGateway upstream)
    {
        var gateway = await PublishedGateway.StartServeAsync(
            $"--Servers:remote:Url={upstream.Endpoint("/mcp")}",
            $"--Servers:remote:Headers:Authorization=Bearer {upstream.AdminKey}");
        using var http = new HttpClient();
        try
        {
            // The upstream is connected in the background: wait until its tools are served.
            await Switchboard.Testing.Poll.UntilAsync(
                async () => (await StatelessRequest.CallToolAsync(http, gateway.Endpoint("/servers/remote/mcp"), gateway.AdminKey, "test_simple_text")).Message.TryGetProperty("result", out _),
                TimeSpan.FromSeconds(60),
                "the remote upstream's tools were not served");
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }
}
