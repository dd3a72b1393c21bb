using System.Globalization;
using ModelContextProtocol.Protocol;
using Switchboard.Testing;

namespace Switchboard.Servers.Financial.Tests.Tools;

/// <summary>Numbers in answers and error texts are written the same whatever the host's culture.</summary>
public sealed class CultureIndependenceTests
{
    [Fact]
    public async Task CallTool_BadRateUnderGermanCulture_ErrorWritesTheRateWithADecimalPoint()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var german = CultureScope.Use("de-DE");
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(), cancellationToken: cancellationToken);

        var result = await mcp.Client.CallToolAsync("pv", new Dictionary<string, object?> { ["rate"] = -1.5, ["periods"] = 10, ["payment"] = -100 }, cancellationToken: cancellationToken);

        Assert.True(result.IsError);
        Assert.Contains("got -1.5.", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallTool_PmtUnderGermanCulture_AnswersWithADecimalPoint()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var german = CultureScope.Use("de-DE");
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(), cancellationToken: cancellationToken);

        var result = await mcp.Client.CallToolAsync("pmt", new Dictionary<string, object?> { ["rate"] = 0.08 / 12, ["periods"] = 10, ["presentValue"] = 10000 }, cancellationToken: cancellationToken);

        string text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.StartsWith("-1037.03", text, StringComparison.Ordinal);
        Assert.Equal(-1037.03, double.Parse(text, CultureInfo.InvariantCulture), 0.005);
    }
}
