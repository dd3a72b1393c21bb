using Switchboard.Naming;

namespace Switchboard.Core.Tests.Naming;

public class McpNamesTests
{
    [Theory]
    [InlineData("everything", true)]
    [InlineData("file-system", true)]
    [InlineData("a1", true)]
    [InlineData("", false)]
    [InlineData("Files", false)]
    [InlineData("my_server", false)]
    [InlineData("-lead", false)]
    [InlineData("trail-", false)]
    [InlineData("double--hyphen", false)]
    [InlineData("has space", false)]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456", false)]
    [InlineData("everything\n", false)]
    [InlineData("everything\r\n", false)]
    public void IsValidServerName_FollowsTheServerNameRule(string name, bool expected) =>
        Assert.Equal(expected, McpNames.IsValidServerName(name));

    [Theory]
    [InlineData("everything__test_simple_text", true)]
    [InlineData("read-file", true)]
    [InlineData("a", true)]
    [InlineData("", false)]
    [InlineData("files.read", false)]
    [InlineData("files/read", false)]
    [InlineData("tool name", false)]
    [InlineData("ünïcode", false)]
    [InlineData("read_file\n", false)]
    [InlineData("read_file\r\n", false)]
    public void IsValidExposedName_AcceptsOnlyThePortableSubset(string name, bool expected) =>
        Assert.Equal(expected, McpNames.IsValidExposedName(name));

    [Fact]
    public void IsValidExposedName_RejectsNamesLongerThan64() =>
        Assert.False(McpNames.IsValidExposedName(new string('a', 65)));

    [Theory]
    [InlineData("everything__test_simple_text", "everything", "test_simple_text")]
    [InlineData("fs__read__all", "fs", "read__all")]
    public void TryParseNamespaced_SplitsAtTheFirstSeparator(string exposed, string server, string name)
    {
        Assert.True(McpNames.TryParseNamespaced(exposed, out var actualServer, out var actualName));
        Assert.Equal(server, actualServer);
        Assert.Equal(name, actualName);
    }

    [Theory]
    [InlineData("no_separator")]
    [InlineData("__leading")]
    [InlineData("trailing__")]
    public void TryParseNamespaced_RejectsNamesWithoutBothParts(string exposed) =>
        Assert.False(McpNames.TryParseNamespaced(exposed, out _, out _));

    [Fact]
    public void Namespaced_RoundTripsThroughTryParse()
    {
        string exposed = McpNames.Namespaced("financial", "pmt");
        Assert.Equal("financial__pmt", exposed);
        Assert.True(McpNames.TryParseNamespaced(exposed, out var server, out var name));
        Assert.Equal(("financial", "pmt"), (server, name));
    }
}
