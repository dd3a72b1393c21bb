using System.Text.Json;
using ModelContextProtocol.Protocol;
using Switchboard.Servers.Financial.MarketData;
using Switchboard.Testing;

namespace Switchboard.Servers.Financial.Tests.Tools;

public sealed class FinancialServerTests
{
    [Fact]
    public async Task ListTools_EveryTool_IsReadOnlyIdempotentClosedWorldAndDescribed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(), cancellationToken: cancellationToken);

        var tools = await mcp.Client.ListToolsAsync(cancellationToken: cancellationToken);

        Assert.Equal(37, tools.Count);
        Assert.All(tools, tool =>
        {
            var annotations = tool.ProtocolTool.Annotations;
            Assert.NotNull(annotations);
            Assert.True(annotations.ReadOnlyHint, tool.Name);
            Assert.True(annotations.IdempotentHint, tool.Name);
            Assert.False(annotations.OpenWorldHint, tool.Name);
            Assert.False(string.IsNullOrWhiteSpace(tool.Description), tool.Name);
            if (tool.ProtocolTool.OutputSchema is { } outputSchema)
            {
                // MCP requires structured content to be an object; scalar tools answer in text only.
                Assert.Equal("object", outputSchema.GetProperty("type").GetString());
            }

            foreach (var property in tool.ProtocolTool.InputSchema.GetProperty("properties").EnumerateObject())
            {
                Assert.True(property.Value.TryGetProperty("description", out _), $"{tool.Name}.{property.Name} has no description");
            }
        });
    }

    [Fact]
    public async Task CallTool_Pmt_ReturnsTheNumberAsText()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(), cancellationToken: cancellationToken);

        var result = await mcp.Client.CallToolAsync("pmt", new Dictionary<string, object?> { ["rate"] = 0.08 / 12, ["periods"] = 10, ["presentValue"] = 10000 }, cancellationToken: cancellationToken);

        Assert.NotEqual(true, result.IsError);
        string text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Equal(-1037.03, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture), 0.005); // Excel doc PMT
    }

    [Fact]
    public async Task CallTool_BondPriceWithSpreadsheetNumbers_AcceptsBasisAndFrequencyCodes()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(), cancellationToken: cancellationToken);
        var arguments = JsonSerializer.Deserialize<Dictionary<string, object?>>("""{"settlement":"2008-02-15","maturity":"2017-11-15","rate":0.0575,"yield":0.065,"frequency":2,"basis":0}""")!;

        var result = await mcp.Client.CallToolAsync("bond_price", arguments, cancellationToken: cancellationToken);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(94.63436, result.StructuredContent!.Value.GetProperty("cleanPrice").GetDouble(), 5e-6); // Excel doc PRICE
    }

    [Theory]
    [InlineData("year_fraction", """{"start":"0001-01-01","end":"9999-12-31","basis":"actual_actual"}""", 9998.9972620924254)] // the calendar's whole span: days over the average year length
    [InlineData("ddb", """{"cost":1,"salvage":1,"life":1e308,"period":1}""", 0)] // a life too long for a decimal
    public async Task CallTool_AtTheEdgeOfTheRange_ReturnsTheNumber(string tool, string argumentsJson, double expected)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(), cancellationToken: cancellationToken);
        var arguments = JsonSerializer.Deserialize<Dictionary<string, object?>>(argumentsJson)!;

        var result = await mcp.Client.CallToolAsync(tool, arguments, cancellationToken: cancellationToken);

        string text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.NotEqual(true, result.IsError);
        Assert.Equal(expected, double.Parse(text, System.Globalization.CultureInfo.InvariantCulture), 1e-9);
    }

    [Fact]
    public async Task CallTool_CurrencyConvertWithoutRate_UsesTheMarketDataProvider()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(new FixedRates()), cancellationToken: cancellationToken);

        var result = await mcp.Client.CallToolAsync("currency_convert", new Dictionary<string, object?> { ["amount"] = 100, ["from"] = "eur", ["to"] = "jpy" }, cancellationToken: cancellationToken);

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(16235m, result.StructuredContent!.Value.GetProperty("amount").GetDecimal());
    }

    [Fact]
    public async Task CallTool_AmortizationSchedule_ReturnsRowsEndingAtZero()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(), cancellationToken: cancellationToken);

        var result = await mcp.Client.CallToolAsync("amortization_schedule", new Dictionary<string, object?> { ["principal"] = 10000, ["rate"] = 0.01, ["periods"] = 12 }, cancellationToken: cancellationToken);

        Assert.NotEqual(true, result.IsError);
        var rows = result.StructuredContent!.Value.GetProperty("rows");
        Assert.Equal(12, rows.GetArrayLength());
        Assert.Equal(0m, rows[11].GetProperty("balance").GetDecimal());
    }

    private sealed class FixedRates : IMarketDataProvider
    {
        public ValueTask<MarketQuote?> GetExchangeRateAsync(string baseCurrency, string quoteCurrency, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult<MarketQuote?>(baseCurrency == "EUR" && quoteCurrency == "JPY" ? new MarketQuote(162.345m, DateTimeOffset.UnixEpoch, "test") : null);
    }
}
