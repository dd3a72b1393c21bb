using Switchboard.Servers.Financial.Portfolio;

namespace Switchboard.Servers.Financial.Tests.Portfolio;

// Golden values from the Excel documentation pages (PERCENTILE.INC, CORREL, SLOPE, STDEV.S, RRI), Investopedia's
// maximum drawdown example and J. C. Hull's value-at-risk examples, as printed.
public sealed class PortfolioGoldenTests
{
    [Fact]
    public void Percentile_ExcelDocExample_Is1Point9() => // Excel doc PERCENTILE.INC({1,3,2,4}, 0.3)
        Assert.Equal(1.9, SeriesStatistics.Percentile([1, 3, 2, 4], 0.3), 1e-12);

    [Fact]
    public void Correlation_ExcelDocExample_Is0Point997054486() => // Excel doc CORREL
        Assert.Equal(0.997054486, SeriesStatistics.Correlation([3, 2, 4, 5, 6], [9, 7, 12, 15, 17]), 5e-10);

    [Fact]
    public void Beta_ExcelDocSlopeExample_Is0Point305555556() => // Excel doc SLOPE(known_y's, known_x's)
        Assert.Equal(0.305555556, SeriesStatistics.Beta([2, 3, 9, 1, 8, 7, 5], [6, 5, 11, 7, 5, 4, 4]), 5e-10);

    [Fact]
    public void StandardDeviation_ExcelDocStdevSExample_Is27Point46391572() => // Excel doc STDEV.S (breaking strength)
        Assert.Equal(27.46391572, SeriesStatistics.StandardDeviation([1345, 1301, 1368, 1322, 1310, 1370, 1318, 1350, 1303, 1299]), 5e-9);

    [Fact]
    public void Cagr_ExcelDocRriExample_Is0Point0009933() => // Excel doc RRI(96, 10000, 11000)
        Assert.Equal(0.0009933, SeriesStatistics.Cagr(10000, 11000, 96), 5e-8);

    [Fact]
    public void MaxDrawdown_InvestopediaExample_Is53Point33Percent()
    {
        // Investopedia, "Maximum Drawdown (MDD)": 500k → 750k → 400k → 600k → 350k → 800k, MDD = (350k − 750k) / 750k.
        var result = SeriesStatistics.MaxDrawdown([500000, 750000, 400000, 600000, 350000, 800000]);
        Assert.Equal(0.5333, result.Drawdown, 0.00005);
        Assert.Equal(1, result.PeakIndex);
        Assert.Equal(4, result.TroughIndex);
        Assert.Equal(5, result.RecoveryIndex);
    }

    [Fact]
    public void MaxDrawdown_RisingSeries_IsZero() =>
        Assert.Equal(0, SeriesStatistics.MaxDrawdown([1, 2, 3]).Drawdown);

    [Fact]
    public void ParametricVar_HullTenDay99Percent_Is1471300()
    {
        // Hull, Options, Futures, and Other Derivatives, ch. 21: $10 million position, daily σ 2 %: the 10-day 99 % VaR
        // is 200,000 × √10 × 2.326 ≈ $1,471,300 (printed with z rounded to 2.326).
        double var = ValueAtRisk.Parametric(0, 0.02, 0.99, 10).ValueAtRisk * 10_000_000;
        Assert.Equal(1_471_300, var, 300.0);
    }

    [Fact]
    public void ParametricExpectedShortfall_Normal99_Is2Point665Sigma() => // Hull, Risk Management and Financial Institutions: ES(99 %) = 2.665σ for a normal
        Assert.Equal(2.665, ValueAtRisk.Parametric(0, 1, 0.99).ExpectedShortfall, 0.0005);

    [Fact]
    public void HistoricalVar_TwentyReturns95Percent_InterpolatesAsPercentileInc()
    {
        double[] returns = [.. Enumerable.Range(1, 20).Select(i => (i - 10) / 100.0)];
        var estimate = ValueAtRisk.Historical(returns, 0.95);

        // PERCENTILE.INC at 5 %: h = 19 × 0.05 = 0.95 → −0.09 + 0.95 × 0.01 = −0.0805; the tail is {−0.09}.
        Assert.Equal(0.0805, estimate.ValueAtRisk, 1e-12);
        Assert.Equal(0.09, estimate.ExpectedShortfall, 1e-12);
    }

    [Fact]
    public void SharpeRatio_HandComputed_Matches()
    {
        // mean 0.0125, sample σ √(8.75e-4 / 3): 0.0125 / 0.017078251 = 0.731925
        Assert.Equal(0.7319250547, SeriesStatistics.SharpeRatio([0.01, 0.02, -0.01, 0.03], 0, 1), 1e-9);
    }

    [Fact]
    public void SortinoRatio_HandComputed_Matches()
    {
        // Downside deviation √(0.01² / 4) = 0.005; (0.0125 − 0) / 0.005 = 2.5
        Assert.Equal(2.5, SeriesStatistics.SortinoRatio([0.01, 0.02, -0.01, 0.03], 0, 1), 1e-12);
    }

    [Fact]
    public void Returns_SimpleAndLog_FromPrices()
    {
        Assert.Equal([0.1, -0.1], SeriesStatistics.SimpleReturns([100, 110, 99]), new ToleranceComparer(1e-12));
        Assert.Equal([Math.Log(1.1), Math.Log(0.9)], SeriesStatistics.LogReturns([100, 110, 99]), new ToleranceComparer(1e-12));
    }

    [Fact]
    public void AnnualizedVolatility_MonthlyReturns_ScalesBySqrtTwelve() =>
        Assert.Equal(0.017078251276599 * Math.Sqrt(12), SeriesStatistics.AnnualizedVolatility([0.01, 0.02, -0.01, 0.03], 12), 1e-12);

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
