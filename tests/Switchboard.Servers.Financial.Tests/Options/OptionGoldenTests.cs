using Switchboard.Servers.Financial.Options;

namespace Switchboard.Servers.Financial.Tests.Options;

// Golden values from J. C. Hull, Options, Futures, and Other Derivatives (8th ed.), as printed, and from standard
// normal tables (Abramowitz & Stegun, table 26.1) for the distribution.
public sealed class OptionGoldenTests
{
    [Theory]
    [InlineData(OptionType.Call, 4.76)] // Hull example 15.6: S 42, K 40, r 10 %, σ 20 %, T 0.5, call 4.76
    [InlineData(OptionType.Put, 0.81)] // Hull example 15.6: put 0.81
    public void Price_HullExample15_6_MatchesToTheCent(OptionType type, double expected) =>
        Assert.Equal(expected, BlackScholes.Value(type, 42, 40, 0.5, 0.10, 0.20).Price, 0.005);

    [Fact]
    public void Greeks_HullChapter19Example_MatchPrintedValues()
    {
        // Hull chapter 19 (table 19.1 and examples 19.1–19.6): S 49, K 50, r 5 %, σ 20 %, T 20 weeks.
        var call = BlackScholes.Value(OptionType.Call, 49, 50, 20.0 / 52, 0.05, 0.20);
        Assert.Equal(2.40, call.Price, 0.005);
        Assert.Equal(0.522, call.Delta, 0.0005);
        Assert.Equal(0.066, call.Gamma, 0.0005);
        Assert.Equal(12.1, call.Vega, 0.05);
        Assert.Equal(-4.31, call.Theta, 0.005);
        Assert.Equal(8.91, call.Rho, 0.005);
    }

    [Fact]
    public void Price_HullExample17_1_IndexCallWithDividendYield_Is51Point83() => // Hull example 17.1: S 930, K 900, r 8 %, q 3 %, σ 20 %, T 2/12
        Assert.Equal(51.83, BlackScholes.Value(OptionType.Call, 930, 900, 2.0 / 12, 0.08, 0.20, 0.03).Price, 0.005);

    [Fact]
    public void Price_HullExample21_1_EuropeanPut_Is4Point08() => // Hull example 21.1: S 50, K 50, r 10 %, σ 40 %, T 5 months
        Assert.Equal(4.08, BlackScholes.Value(OptionType.Put, 50, 50, 5.0 / 12, 0.10, 0.40).Price, 0.005);

    [Fact]
    public void ImpliedVolatility_HullSection15_11_Is23Point5Percent() => // Hull section 15.11: call 1.875, S 21, K 20, r 10 %, T 0.25
        Assert.Equal(0.235, BlackScholes.ImpliedVolatility(OptionType.Call, 1.875, 21, 20, 0.25, 0.10), 0.0005);

    [Theory]
    [InlineData(0.0, 0.5)] // A&S table 26.1
    [InlineData(1.0, 0.8413447460685429)] // A&S table 26.1
    [InlineData(1.96, 0.9750021048517795)] // A&S table 26.1
    [InlineData(-1.0, 0.15865525393145707)] // A&S table 26.1 by symmetry
    [InlineData(2.5, 0.9937903346742238)] // A&S table 26.1
    [InlineData(3.0, 0.9986501019683699)] // A&S table 26.1
    [InlineData(-3.0, 0.0013498980316301035)] // A&S table 26.1 by symmetry
    [InlineData(-5.0, 2.866515718791939e-7)] // A&S table 26.1 (tail)
    [InlineData(-8.0, 6.220960574271785e-16)] // A&S 26.2.12 asymptotic tail
    [InlineData(0.5, 0.6914624612740131)] // A&S table 26.1
    public void NormalCdf_TableValues_MatchToRelative1e12(double x, double expected) =>
        Assert.Equal(expected, NormalDistribution.Cdf(x), Math.Max(expected * 1e-12, 1e-16));

    [Theory]
    [InlineData(0.95, 1.6448536269514722)] // A&S table 26.5 (percentage points)
    [InlineData(0.99, 2.3263478740408408)] // A&S table 26.5
    [InlineData(0.975, 1.959963984540054)] // A&S table 26.5
    [InlineData(0.5, 0.0)] // Symmetry
    public void NormalQuantile_TableValues_MatchTo1e12(double p, double expected) =>
        Assert.Equal(expected, NormalDistribution.Quantile(p), 1e-12);
}
