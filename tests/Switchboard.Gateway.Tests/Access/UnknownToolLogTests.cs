using Switchboard.Gateway.Tests.Interop;
using Switchboard.Gateway.Tests.Tasks;

namespace Switchboard.Gateway.Tests.Access;

/// <summary>
/// A call of a tool that does not exist is the caller's mistake, answered with the SDK's "Unknown tool" error and
/// audited. The gateway handed it back to the SDK as an exception, which the SDK logs at Error with a stack trace
/// and the name as sent: any caller could fill the log with errors, and forge lines in it with a name holding a
/// newline (a lesson of STYLE.md: a refusal is not an error; print untrusted text safely).
/// </summary>
public sealed class UnknownToolLogTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task UnknownTool_IsAnsweredAsUnknown_WithoutAnErrorInTheLog()
    {
        await using var gateway = await PublishedGateway.StartServeAsync("--Gateway:Sessions=Stateless");

        var answer = await gateway.Process.CallToolAsync(gateway.AdminKey, "nothing\nfail: Forged[1]", Ct);
        var error = answer.GetProperty("error");
        Assert.Equal(-32602, error.GetProperty("code").GetInt32());
        Assert.Equal("Unknown tool: 'nothing\nfail: Forged[1]'", error.GetProperty("message").GetString());
        // A tool that exists is still served, and one that throws is still the SDK's to report.
        Assert.True((await gateway.Process.CallToolAsync(gateway.AdminKey, "utilities__uuid_v4", Ct)).TryGetProperty("result", out _));

        // The log is written in order: a refusal's Warning line, logged after both answers, marks that it has caught up.
        string viewer = await TaskProcesses.CreateKeyAsync(gateway.Process, gateway.AdminKey, "viewer", "viewer");
        var refused = await gateway.Process.CallToolAsync(viewer, "utilities__marker_after_unknown", Ct);
        Assert.True(refused.TryGetProperty("error", out _), refused.ToString());
        await gateway.Process.WaitForOutputAsync("utilities/marker_after_unknown", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("threw an unhandled exception", gateway.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail: Forged[1]", gateway.Process.Output, StringComparison.Ordinal);
    }
}
