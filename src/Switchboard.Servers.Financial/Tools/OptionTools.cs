using System.ComponentModel;
using ModelContextProtocol.Server;
using Switchboard.Servers.Financial.Options;

namespace Switchboard.Servers.Financial.Tools;

/// <summary>Black–Scholes–Merton tools for European options.</summary>
[McpServerToolType]
internal static class OptionTools
{
    private const string TypeDoc = "'call' or 'put'. European exercise only.";
    private const string SpotDoc = "Current price of the underlying; greater than 0.";
    private const string StrikeDoc = "Strike price, same currency as spot; greater than 0.";
    private const string YearsDoc = "Time to expiry in years (90 days = 90/365 ≈ 0.2466); greater than 0.";
    private const string RateDoc = "Annual risk-free rate, continuously compounded, as a fraction (0.05 for 5 %).";
    private const string DividendDoc = "Annual continuous dividend yield as a fraction (0 for none, the default). For a currency option use the foreign rate; for a futures option use the risk-free rate (Black 76).";

    [McpServerTool(Name = "option_price", Title = "Black–Scholes–Merton price and greeks", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Price and greeks of a European call or put under Black–Scholes–Merton with a continuous dividend yield. delta and gamma are per 1 unit of spot; vega per 1.00 of volatility (divide by 100 per vol point); theta per year (divide by 365 per calendar day), usually negative; rho per 1.00 of rate (divide by 100 per percentage point). Double precision.")]
    public static OptionValuation OptionPrice(
        [Description(TypeDoc)] OptionType type,
        [Description(SpotDoc)] double spot,
        [Description(StrikeDoc)] double strike,
        [Description(YearsDoc)] double years,
        [Description(RateDoc)] double riskFreeRate,
        [Description("Annual volatility as a fraction (0.2 for 20 %); greater than 0 and at most 10.")] double volatility,
        [Description(DividendDoc)] double dividendYield = 0) =>
        ToolGuard.Run(() => BlackScholes.Value(type, spot, strike, years, riskFreeRate, volatility, dividendYield));

    [McpServerTool(Name = "implied_volatility", Title = "Implied volatility", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Annual volatility (as a fraction) at which Black–Scholes–Merton reproduces a European option's market price. The price rises strictly with volatility, so the answer is unique; it is found by bracketed Newton between 0.0001 % and 1000 %. A price outside the no-arbitrage bounds (below intrinsic value discounted, or above the discounted spot for a call / strike for a put) is an error, never a number.")]
    public static double ImpliedVolatility(
        [Description(TypeDoc)] OptionType type,
        [Description("Market price of the option; greater than 0.")] double price,
        [Description(SpotDoc)] double spot,
        [Description(StrikeDoc)] double strike,
        [Description(YearsDoc)] double years,
        [Description(RateDoc)] double riskFreeRate,
        [Description(DividendDoc)] double dividendYield = 0) =>
        ToolGuard.Run(() => BlackScholes.ImpliedVolatility(type, price, spot, strike, years, riskFreeRate, dividendYield));
}
