using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Upstreams;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>The stdio pool's settings are checked at start, and a process that keeps crashing is started again with backoff.</summary>
public sealed class StdioPoolSettingsTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        Assert.Empty(UpstreamsOptionsValidator.Problems("Servers:files", new UpstreamOptions { Command = "npx" }));
    }

    [Theory]
    [InlineData(0, 0, "Servers:files:Stdio:MaxProcesses is 0")]
    [InlineData(3, 2, "Servers:files:Stdio:MinProcesses is 3")]
    [InlineData(-1, 2, "Servers:files:Stdio:MinProcesses is -1")]
    public void ProcessCounts_OutOfRange_NameTheKey(int min, int max, string expected)
    {
        var options = new UpstreamOptions { Command = "npx" };
        options.Stdio.MinProcesses = min;
        options.Stdio.MaxProcesses = max;

        var problems = UpstreamsOptionsValidator.Problems("Servers:files", options);

        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ProcessThatExitsAtOnce_IsRetriedWithBackoff_NotInATightLoop()
    {
        var options = new UpstreamOptions { Command = "/bin/sh", Args = ["-c", "echo 'no MCP here' >&2; exit 3"] };
        options.Stdio.RestartDelay = TimeSpan.FromMilliseconds(400);
        await using var server = new UpstreamServer("crashing", options, new UnrecordedToolPins(), NullLoggerFactory.Instance, TimeProvider.System);

        // Asked again and again for 3 s (as 1,000 callers would): starts are 0 s, 0 s, +0.4, +0.8, +1.6 s apart.
        int attempts = 0;
        var until = DateTime.UtcNow.AddSeconds(3);
        while (DateTime.UtcNow < until)
        {
            Assert.False(await server.TryConnectAsync(TestContext.Current.CancellationToken));
            attempts++;
        }

        var (processes, restarts) = server.StdioProcesses!.Value;
        Assert.InRange(restarts, 3, 5);
        Assert.True(attempts > restarts * 10, $"{attempts} attempts, {restarts} starts: the refusals in between did not wait for a start");
        Assert.Equal(0, processes);
        Assert.Equal("unreachable", server.LastFailure);
        Assert.False(server.IsConnected);
    }
}
