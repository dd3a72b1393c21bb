using System.Text.Json;
using ModelContextProtocol.Protocol;
using Switchboard.Testing;

namespace Switchboard.Servers.Financial.Tests.Tools;

// Every tool, called through the real MCP protocol with invalid input, answers with isError: true and a message that
// names what is wrong, never a number and never a bare "An error occurred".
public sealed class ToolErrorTests
{
    public static TheoryData<string, string, string> InvalidCalls => new()
    {
        // Time value of money
        { "pv", """{"rate":-1,"periods":10,"payment":-100}""", "greater than -1" },
        { "pv", """{"periods":10,"payment":-100}""", "'rate' is required" },
        { "fv", """{"rate":0.01,"periods":"ten","payment":-100}""", "'periods' must be a number" },
        { "fv", """{"rate":0.01,"periods":10,"payment":-100,"timing":"whenever"}""", "'timing' must be one of 'end', 'beginning'" },
        { "pmt", """{"rate":0.01,"periods":0,"presentValue":1000}""", "'periods' must not be zero" },
        { "pmt", """{"rate":0.01,"periods":12,"presentValue":1000,"timing":7}""", "'timing' must be 'end' (0) or 'beginning' (1)" },
        { "pmt", """{"rate":0.01,"periods":12,"presentValue":1000,"timing":1e308}""", "'timing' must be one of 'end', 'beginning'; got 1e308" },
        { "pmt", """{"rate":0.01,"periods":12,"presentValue":1000,"timing":0.5}""", "'timing' must be one of 'end', 'beginning'; got 0.5" },
        { "ipmt", """{"rate":0.01,"period":13,"periods":12,"presentValue":1000}""", "'period' must be between 1 and 'periods'" },
        { "ppmt", """{"rate":0.01,"period":0,"periods":12,"presentValue":1000}""", "'period' must be at least 1" },
        { "nper", """{"rate":0,"payment":0,"presentValue":1000}""", "zero payment" },
        { "nper", """{"rate":0.1,"payment":-50,"presentValue":1000}""", "No number of periods" },
        { "rate", """{"periods":10,"payment":-100,"presentValue":-1000}""", "No rate exists" },
        { "rate", """{"periods":0,"payment":-100,"presentValue":1000}""", "'periods' must be greater than zero" },
        { "effect", """{"nominalRate":0,"periodsPerYear":12}""", "'nominalRate' must be greater than zero" },
        { "nominal", """{"effectiveRate":0.05,"periodsPerYear":0.5}""", "'periodsPerYear' must be at least 1" },

        // Cash flows
        { "npv", """{"rate":0.1,"values":[]}""", "'values' needs at least 1 items" },
        { "npv", """{"rate":0.1,"values":[1,"x"]}""", "item 1 must be a number" },
        { "irr", """{"values":[100,200,300]}""", "at least one negative value" },
        { "irr", """{"values":[-1600,10000,-10000]}""", "2 rates solve the equation" },
        { "irr", """{"values":[-100,300,-300]}""", "No IRR exists" },
        { "xnpv", """{"rate":0.1,"values":[-100,110],"dates":["2020-01-01"]}""", "one date per cash flow" },
        { "xnpv", """{"rate":0.1,"values":[-100,110],"dates":["2020-01-01","2019-13-01"]}""", "yyyy-MM-dd" },
        { "xirr", """{"values":[-100,110],"dates":["2020-01-01","2019-01-01"]}""", "before the first date" },
        { "xirr", """{"values":[-100,-110],"dates":["2020-01-01","2021-01-01"]}""", "one positive value" },
        { "mirr", """{"values":[100,200],"financeRate":0.1,"reinvestRate":0.1}""", "at least one negative value" },
        { "mirr", """{"values":[-100,200],"financeRate":-2,"reinvestRate":0.1}""", "'financeRate' must be greater than -1" },
        { "amortization_schedule", """{"principal":-5,"rate":0.01,"periods":12}""", "'principal' must be greater than zero" },
        { "amortization_schedule", """{"principal":1000,"rate":0.01,"periods":5000}""", "'periods' must be at most 1200" },
        { "amortization_schedule", """{"principal":1000,"rate":0.01,"periods":12,"oneOffExtraPayments":[{"period":40,"amount":10}]}""", "period between 1 and 12" },
        { "amortization_schedule", """{"principal":1e29,"rate":0.01,"periods":12}""", "'principal' must be at most 7.9E+28; got 1e29" },
        { "amortization_schedule", """{"principal":1000,"rate":0.01,"periods":12,"oneOffExtraPayments":[{"period":1,"amount":-1e40}]}""", "item 0 'amount' must be at least -7.9E+28; got -1e40" },

        // Depreciation
        { "sln", """{"cost":1000,"salvage":100,"life":0}""", "'life' must be greater than zero" },
        { "sln", """{"cost":79228162514264337593543950336,"salvage":100,"life":5}""", "'cost' must be at most 7.9E+28; got 79228162514264337593543950336" },
        { "syd", """{"cost":1e28,"salvage":-1e28,"life":1e15,"period":1}""", "beyond the range of exact decimal arithmetic" },
        { "syd", """{"cost":1000,"salvage":100,"life":5,"period":6}""", "'period' must be between 1 and 'life'" },
        { "db", """{"cost":1000,"salvage":100,"life":5,"period":6}""", "'period' must be between 1 and 5" },
        { "db", """{"cost":1000,"salvage":100,"life":5,"period":1,"month":13}""", "'month' must be at most 12" },
        { "ddb", """{"cost":1000,"salvage":100,"life":5,"period":1,"factor":0}""", "'factor' must be greater than zero" },

        // Bonds
        { "bond_price", """{"settlement":"2030-01-01","maturity":"2020-01-01","rate":0.05,"yield":0.05,"frequency":"semiannual"}""", "must be before 'maturity'" },
        { "bond_price", """{"settlement":"2020-01-01","maturity":"2030-01-01","rate":0.05,"yield":0.05,"frequency":3}""", "'frequency' must be annual (1), semiannual (2) or quarterly (4)" },
        { "bond_price", """{"settlement":"2020-01-01","maturity":"2030-01-01","rate":0.05,"yield":0.05,"frequency":"monthly"}""", "'frequency' must be one of" },
        { "bond_price", """{"settlement":"0001-01-01","maturity":"9999-12-31","rate":0.05,"yield":0.05,"frequency":"quarterly"}""", "The coupon schedule runs outside the dates this calculation supports" },
        { "accrued_interest", """{"issue":"0001-01-01","firstInterest":"0001-03-01","settlement":"9999-12-31","rate":0.05,"frequency":"quarterly"}""", "The coupon schedule runs outside the dates this calculation supports" },
        { "bond_yield", """{"settlement":"2020-01-01","maturity":"2030-01-01","rate":0.05,"price":-3,"frequency":"annual"}""", "'price' must be greater than zero" },
        { "bond_yield", """{"settlement":"2020-01-01","maturity":"2030-01-01","rate":0.05,"price":95,"frequency":"annual","basis":9}""", "'basis' must be one of" },
        { "accrued_interest", """{"issue":"2020-06-01","firstInterest":"2020-12-01","settlement":"2020-01-01","rate":0.05,"frequency":"semiannual"}""", "must be before 'settlement'" },
        { "accrued_interest", """{"issue":"2020-01-01","firstInterest":"2019-12-01","settlement":"2020-03-01","rate":0.05,"frequency":"semiannual"}""", "must be after 'issue'" },
        { "bond_duration", """{"settlement":"2020-01-01","maturity":"2030-01-01","coupon":-0.05,"yield":0.05,"frequency":"annual"}""", "'rate' must be zero or greater" },
        { "year_fraction", """{"start":"2020-01-01","end":"2020-02-01","basis":"act/act"}""", "'basis' must be one of" },

        // Portfolio
        { "returns", """{"prices":[100,0,50]}""", "must be greater than zero" },
        { "returns", """{"prices":[100]}""", "'prices' needs at least 2 items" },
        { "cagr", """{"startValue":0,"endValue":100,"years":2}""", "'startValue' must be greater than zero" },
        { "volatility", """{"returns":[1e200,-1e200]}""", "The result is not a finite number" },
        { "sharpe_ratio", """{"returns":[1.5e308,1.5e308,1e300]}""", "The result is not a finite number" },
        { "beta", """{"assetReturns":[1e200,-1e200,0],"benchmarkReturns":[1e-150,-1e-150,0]}""", "The result is not a finite number" },
        { "returns", """{"prices":[1e-300,1e300]}""", "The result is not a finite number" },
        { "volatility", """{"returns":[0.01,0.02],"periodsPerYear":0}""", "'periodsPerYear' must be greater than zero" },
        { "sharpe_ratio", """{"returns":[0.01,0.01,0.01]}""", "do not vary" },
        { "sortino_ratio", """{"returns":[0.01,0.02,0.03]}""", "No return falls below the target" },
        { "max_drawdown", """{"values":[100,-5]}""", "must be greater than zero" },
        { "beta", """{"assetReturns":[0.01,0.02,0.03],"benchmarkReturns":[0.01,0.02]}""", "same length" },
        { "correlation", """{"x":[1,2,3],"y":[5,5,5]}""", "does not vary" },
        { "value_at_risk", """{"returns":[0.01,-0.02,0.03],"confidence":1.5}""", "'confidence' is a probability" },
        { "value_at_risk", """{"returns":[0.01,-0.02,0.03],"horizonPeriods":10}""", "Historical VaR uses the returns' own horizon" },

        // Options
        { "option_price", """{"type":"call","spot":100,"strike":100,"years":1,"riskFreeRate":0.05,"volatility":0}""", "'volatility' must be greater than zero" },
        { "option_price", """{"type":"straddle","spot":100,"strike":100,"years":1,"riskFreeRate":0.05,"volatility":0.2}""", "'type' must be one of 'call', 'put'" },
        { "option_price", """{"type":"call","spot":100,"strike":100,"years":1,"riskFreeRate":5,"volatility":0.2}""", "annual fractions" },
        { "implied_volatility", """{"type":"call","price":150,"spot":100,"strike":100,"years":1,"riskFreeRate":0.05}""", "outside the no-arbitrage range" },
        { "implied_volatility", """{"type":"put","price":0.5,"spot":100,"strike":150,"years":1,"riskFreeRate":0.05}""", "outside the no-arbitrage range" },

        // Currency
        { "currency_convert", """{"amount":100,"from":"EUR","to":"USD"}""", "No exchange rate given" },
        { "currency_convert", """{"amount":100,"from":"EUR","to":"ZZZ","rate":1.1}""", "'to' must be an active ISO 4217" },
        { "currency_convert", """{"amount":100,"from":"EUR","to":"USD","rate":0}""", "'rate' must be greater than zero" },
        { "currency_convert", """{"amount":1e30,"from":"EUR","to":"USD","rate":1.1}""", "'amount' must be at most 7.9E+28; got 1e30" },
        { "currency_convert", """{"amount":100,"from":"EUR","to":"USD","rate":-8e28}""", "'rate' must be at least -7.9E+28; got -8e28" },
        { "currency_round", """{"amount":1.005,"currency":"dollars"}""", "'currency' must be an active ISO 4217" },
        { "currency_round", """{"amount":-1e300,"currency":"USD"}""", "'amount' must be at least -7.9E+28; got -1e300" },
        { "currency_round", """{"amount":1.005,"currency":"USD","rounding":"up"}""", "'rounding' must be one of" },
        { "pmt", """{"rate":0.01,"periods":12,"presentValue":1000,"pv":5}""", "'pv' is not an argument of this tool" },
    };

    [Theory]
    [MemberData(nameof(InvalidCalls))]
    public async Task CallTool_InvalidInput_ReturnsToolErrorNamingTheProblem(string tool, string argumentsJson, string expectedMessagePart)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(), cancellationToken: cancellationToken);
        var arguments = JsonSerializer.Deserialize<Dictionary<string, object?>>(argumentsJson)!;

        var result = await mcp.Client.CallToolAsync(tool, arguments, cancellationToken: cancellationToken);

        Assert.True(result.IsError, $"{tool} should fail but returned {JsonSerializer.Serialize(result.Content)}");
        string text = Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
        Assert.Contains(expectedMessagePart, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidCalls_CoverEveryTool()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var mcp = await InMemoryMcp.ConnectAsync(FinancialServer.CreateCatalog(), cancellationToken: cancellationToken);
        var tools = await mcp.Client.ListToolsAsync(cancellationToken: cancellationToken);
        var covered = InvalidCalls.Select(row => row.Data.Item1).ToHashSet(StringComparer.Ordinal);
        string[] uncovered = [.. tools.Select(t => t.Name).Where(name => !covered.Contains(name))];
        Assert.True(uncovered.Length == 0, $"Tools without an error-case test: {string.Join(", ", uncovered)}");
    }
}
