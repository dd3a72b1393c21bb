namespace Switchboard.Servers.Utilities.Tests;

public sealed class UtilitiesServerTests
{
    private static readonly string[] ExpectedTools =
    [
        "business_days_add", "business_days_between", "cron_next", "data_convert", "decode", "encode", "hash", "hmac",
        "identifier_inspect", "json_query", "json_schema_validate", "math_evaluate", "regex_match", "regex_replace", "slugify",
        "statistics_summary", "text_count", "text_diff", "time_add", "time_convert", "time_difference", "time_format",
        "time_now", "time_parse", "ulid", "unit_convert", "uuid_v4", "uuid_v7",
    ];

    [Fact]
    public void CreateCatalog_NameIsUtilities()
    {
        var catalog = UtilitiesServer.CreateCatalog();
        Assert.Equal(UtilitiesServer.Name, catalog.Name);
        Assert.Equal("utilities", catalog.Name);
    }

    [Fact]
    public async Task ListTools_ExposesEveryToolWithDescriptionAndClosedWorld()
    {
        await using var mcp = await Tools.ConnectAsync();
        var tools = await mcp.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(ExpectedTools, tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        Assert.All(tools, tool =>
        {
            var annotations = tool.ProtocolTool.Annotations;
            Assert.NotNull(annotations);
            Assert.True(annotations.ReadOnlyHint, $"{tool.Name} must be read-only");
            Assert.False(annotations.OpenWorldHint, $"{tool.Name} must be closed-world");
            Assert.False(annotations.DestructiveHint, $"{tool.Name} must not be destructive");
            Assert.False(string.IsNullOrWhiteSpace(tool.Description));
        });
    }

    [Theory]
    [InlineData("uuid_v4", false)]
    [InlineData("uuid_v7", false)]
    [InlineData("ulid", false)]
    [InlineData("time_now", false)]
    [InlineData("cron_next", false)]
    [InlineData("hash", true)]
    [InlineData("math_evaluate", true)]
    public async Task ListTools_IdempotentHint_IsTruthful(string name, bool idempotent)
    {
        await using var mcp = await Tools.ConnectAsync();
        var tools = await mcp.Client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(idempotent, tools.Single(t => t.Name == name).ProtocolTool.Annotations!.IdempotentHint);
    }

    [Fact]
    public async Task CallTool_UnknownArgument_ReturnsToolErrorNamingParameters()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("hash", new { input = "x", algo = "md5" });
        Assert.Contains("'algo' is not an argument of this tool", error, StringComparison.Ordinal);
        Assert.Contains("algorithm", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_WrongType_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'count' must be an integer; got the string \"3\"", await mcp.ErrorAsync("uuid_v4", new { count = "3" }), StringComparison.Ordinal);
    }
}
