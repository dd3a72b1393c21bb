using System.Globalization;

namespace Switchboard.Servers.Utilities.Tests;

public sealed class IdentifierToolsTests
{
    [Fact]
    public async Task UuidV4_Count_ReturnsDistinctVersion4Uuids()
    {
        await using var mcp = await Tools.ConnectAsync();
        var ids = (await mcp.JsonAsync("uuid_v4", new { count = 50 })).GetProperty("ids").EnumerateArray().Select(i => i.GetString()!).ToList();

        Assert.Equal(50, ids.Distinct().Count());
        Assert.All(ids, id =>
        {
            Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", id);
        });
    }

    [Fact]
    public async Task UuidV7_Layout_CarriesClockMillisecondsVersionAndVariant()
    {
        await using var mcp = await Tools.ConnectAsync();
        string id = (await mcp.JsonAsync("uuid_v7")).GetProperty("ids")[0].GetString()!;

        // RFC 9562 §5.7: unix_ts_ms (48 bits) | ver=7 | rand_a | var=10 | rand_b.
        string hex = id.Replace("-", string.Empty, StringComparison.Ordinal);
        Assert.Equal(Tools.Now.ToUnixTimeMilliseconds(), long.Parse(hex[..12], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        Assert.Equal('7', id[14]);
        Assert.Contains(id[19], "89ab");
    }

    [Fact]
    public async Task Ulid_Generated_EncodesClockTime()
    {
        await using var mcp = await Tools.ConnectAsync();
        string id = (await mcp.JsonAsync("ulid")).GetProperty("ids")[0].GetString()!;
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{26}$", id);

        var info = await mcp.JsonAsync("identifier_inspect", new { id });
        Assert.Equal("ulid", info.GetProperty("kind").GetString());
        Assert.Equal(Tools.Now, DateTimeOffset.Parse(info.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture));
    }

    [Theory]
    // RFC 9562 Appendix A.6 (UUIDv7) and A.1 (UUIDv1) examples: both made at 2022-02-22T19:22:22Z.
    [InlineData("017F22E2-79B0-7CC3-98C4-DC0C0C07398F", 7, "2022-02-22T19:22:22.0000000+00:00")]
    [InlineData("C232AB00-9414-11EC-B3C8-9F6BDECED846", 1, "2022-02-22T19:22:22.0000000+00:00")]
    public async Task Inspect_RfcExamples_DecodeTimestamp(string id, int version, string timestamp)
    {
        await using var mcp = await Tools.ConnectAsync();
        var info = await mcp.JsonAsync("identifier_inspect", new { id });

        Assert.Equal(version, info.GetProperty("version").GetInt32());
        Assert.Equal("rfc9562", info.GetProperty("variant").GetString());
        Assert.Equal(timestamp, info.GetProperty("timestamp").GetString());
    }

    [Fact]
    public async Task Inspect_UlidSpecExample_DecodesTimestamp()
    {
        await using var mcp = await Tools.ConnectAsync();
        var info = await mcp.JsonAsync("identifier_inspect", new { id = "01ARYZ6S41TSV4RRFFQ69G5FAV" });

        // The ULID spec (github.com/ulid/spec, 'Seed Time'): ulid(1469918176385) gives 01ARYZ6S41TSV4RRFFQ69G5FAV.
        Assert.Equal(1469918176385, DateTimeOffset.Parse(info.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds());
    }

    [Theory]
    [InlineData("01ARZ3NDEKTSV4RRFFQ69G5FAU", "'U' at position 26 is not a Crockford base32 digit")]
    [InlineData("8ZZZZZZZZZZZZZZZZZZZZZZZZZ", "starts with '8'")]
    public async Task Inspect_InvalidUlid_ReturnsToolErrorInsteadOfAnotherId(string id, string message)
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("identifier_inspect", new { id });
        Assert.Contains("is not a ULID", error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_LowerCaseUlid_IsCanonicalisedToUpperCase()
    {
        await using var mcp = await Tools.ConnectAsync();
        var info = await mcp.JsonAsync("identifier_inspect", new { id = "01aryz6s41tsv4rrffq69g5fav" });
        Assert.Equal("01ARYZ6S41TSV4RRFFQ69G5FAV", info.GetProperty("canonical").GetString());
    }

    [Fact]
    public async Task Inspect_Garbage_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("neither a UUID", await mcp.ErrorAsync("identifier_inspect", new { id = "not-an-id" }), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("7ZZZZZZZZZZZZZZZZZZZZZZZZZ")]
    [InlineData("ffffffff-ffff-7fff-bfff-ffffffffffff")]
    public async Task Inspect_TimestampAfterYear9999_ReturnsToolError(string id)
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("identifier_inspect", new { id });
        Assert.Contains("281474976710655 ms", error, StringComparison.Ordinal);
        Assert.Contains("after year 9999", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_UlidWithLettersOutsideCrockford_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("identifier_inspect", new { id = "0IL0O000000000000000000000" });
        Assert.Contains("'I' at position 2 is not a Crockford base32 digit", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("uuid_v4", 0)]
    [InlineData("uuid_v7", 1001)]
    [InlineData("ulid", -1)]
    public async Task Generate_CountOutOfRange_ReturnsToolError(string tool, int count)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'count' must be between 1 and 1000", await mcp.ErrorAsync(tool, new { count }), StringComparison.Ordinal);
    }
}
