using Switchboard.Upstreams;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>The settings of pending calls (a session-based upstream asking a 2026-07-28 caller) are checked at start.</summary>
public sealed class PendingCallSettingsTests
{
    private static readonly Uri Url = new("https://upstream.example/mcp");

    [Theory]
    [InlineData(null)]
    [InlineData("2025-11-25")]
    [InlineData("2026-07-28")]
    public void Defaults_AndKnownRevisions_AreValid(string? protocolVersion)
    {
        Assert.Empty(UpstreamsOptionsValidator.Problems("Servers:wiki", new UpstreamOptions { Url = Url, ProtocolVersion = protocolVersion }));
    }

    [Theory]
    [InlineData(0.5, null, "Servers:wiki:PendingCallTimeout is")]
    [InlineData(601, null, "Servers:wiki:PendingCallTimeout is")]
    [InlineData(60, "2025-13-01", "Servers:wiki:ProtocolVersion is '2025-13-01'")]
    public void OutOfRange_NamesTheKey(double pendingSeconds, string? protocolVersion, string expected)
    {
        var options = new UpstreamOptions { Url = Url, PendingCallTimeout = TimeSpan.FromSeconds(pendingSeconds), ProtocolVersion = protocolVersion };

        var problems = UpstreamsOptionsValidator.Problems("Servers:wiki", options);

        Assert.Contains(problems, p => p.StartsWith(expected, StringComparison.Ordinal));
    }
}
