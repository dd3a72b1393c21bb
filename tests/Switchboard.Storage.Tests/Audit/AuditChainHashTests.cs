using Switchboard.Storage.Audit;

namespace Switchboard.Storage.Tests.Audit;

/// <summary>
/// Pins the chain's hash to values computed outside .NET (Python's hashlib over the documented layout: seq as big-endian
/// int64, then each field as a big-endian int32 UTF-8 length, -1 for null, and its bytes), so a change to how the hash is
/// computed cannot silently break every stored chain.
/// </summary>
public sealed class AuditChainHashTests
{
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 7, 28, 14, 34, 56, TimeSpan.FromHours(2)).AddTicks(1_234_567);

    [Fact]
    public void ShortAsciiFieldsAndNullsHashAsBefore()
    {
        var hash = AuditChain.ComputeHash(7, null, At, "key:ops", "tools/call", "utilities__uuid_v4", "allowed", null);

        Assert.Equal("8c5c600cd77d53f1164df10c9303a6769a96ce4d01c39f35d151ffeaea1c51e9", hash);
    }

    [Fact]
    public void LongNonAsciiDetailsHashAsBefore()
    {
        // Details far longer than a stack buffer, with two-, three- and four-byte UTF-8 characters.
        var details = "{\"a\":\"" + string.Concat(Enumerable.Repeat("é€\U0001D11Ex", 300)) + "\"}";

        var hash = AuditChain.ComputeHash(8, string.Concat(Enumerable.Repeat("ab", 32)), At, "clé:ünïcode", "tools/call", null, "denied", details);

        Assert.Equal("579284732b151cac5bee6d693010b9e37bade170c3f73bb2ecf4d1a1d873374a", hash);
    }
}
