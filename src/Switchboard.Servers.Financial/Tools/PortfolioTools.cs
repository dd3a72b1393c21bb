using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using ModelContextProtocol.Server;
using Switchboard.Servers.Financial.Portfolio;

namespace Switchboard.Servers.Financial.Tools;

/// <summary>How returns are computed from prices.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReturnKind>))]
public enum ReturnKind
{
    /// <summary>p[t]/p[t-1] - 1.</summary>
    [JsonStringEnumMemberName("simple")]
    Simple,

    /// <summary>ln(p[t]/p[t-1]).</summary>
    [JsonStringEnumMemberName("log")]
    Log,
}

/// <summary>How value at risk is estimated.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VarMethod>))]
public enum VarMethod
{
    /// <summary>Empirical quantile of the returns given.</summary>
    [JsonStringEnumMemberName("historical")]
    Historical,

    /// <summary>Normal distribution with the returns' sample mean and standard deviation.</summary>
    [JsonStringEnumMemberName("parametric")]
    Parametric,
}

/// <summary>Period returns computed from prices.</summary>
/// <param name="Returns">One return per consecutive pair of prices, as fractions (0.01 = 1 %).</param>
/// <param name="Kind">simple or log.</param>
public sealed record ReturnsResult(double[] Returns, ReturnKind Kind);

/// <summary>Value at risk and expected shortfall for one confidence level.</summary>
/// <param name="ValueAtRisk">Loss, as a positive fraction of the position, not exceeded with the given confidence over the horizon.</param>
/// <param name="ExpectedShortfall">Mean loss, as a positive fraction, in the cases at or beyond the value at risk.</param>
/// <param name="ValueAtRiskAmount">ValueAtRisk × positionValue, when a position value was given.</param>
/// <param name="ExpectedShortfallAmount">ExpectedShortfall × positionValue, when a position value was given.</param>
/// <param name="Method">historical or parametric.</param>
/// <param name="Confidence">The confidence level used.</param>
/// <param name="HorizonPeriods">Horizon in periods of the input returns.</param>
public sealed record VarResult(double ValueAtRisk, double ExpectedShortfall, double? ValueAtRiskAmount, double? ExpectedShortfallAmount, VarMethod Method, double Confidence, double HorizonPeriods);

/// <summary>Return-series and portfolio risk statistics.</summary>
[McpServerToolType]
internal static class PortfolioTools
{
    private const string ReturnsDoc = "Per-period returns as fractions (0.012 for +1.2 %), oldest first, all the same period length. At most 100,000.";
    private const string PeriodsPerYearDoc = "Periods per year used to annualise: 252 for trading days, 52 weekly, 12 monthly, 4 quarterly, 1 annual.";

    [McpServerTool(Name = "returns", Title = "Returns from prices", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Period-over-period returns of a price or value series: simple p[t]/p[t-1] - 1 or log ln(p[t]/p[t-1]). Returns one fewer value than prices given.")]
    public static ReturnsResult Returns(
        [Description("Prices or portfolio values, oldest first, all greater than 0. At least 2, at most 100,000."), MinLength(2)] double[] prices,
        [Description("'simple' (default) or 'log'.")] ReturnKind kind = ReturnKind.Simple) =>
        ToolGuard.Run(() => new ReturnsResult(kind == ReturnKind.Log ? SeriesStatistics.LogReturns(prices) : SeriesStatistics.SimpleReturns(prices), kind));

    [McpServerTool(Name = "cagr", Title = "Compound annual growth rate", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Compound annual growth rate (end/start)^(1/years) - 1, as a fraction. Same as the spreadsheet RRI(years, start, end).")]
    public static double Cagr(
        [Description("Value at the start; greater than 0.")] double startValue,
        [Description("Value at the end; 0 or more.")] double endValue,
        [Description("Length of the period in years (may be fractional); greater than 0.")] double years) =>
        ToolGuard.Run(() => SeriesStatistics.Cagr(startValue, endValue, years));

    [McpServerTool(Name = "volatility", Title = "Annualised volatility", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Annualised volatility: sample standard deviation (n - 1, spreadsheet STDEV.S) of the returns × √periodsPerYear, as a fraction (0.2 = 20 %).")]
    public static double Volatility(
        [Description(ReturnsDoc), MinLength(2)] double[] returns,
        [Description(PeriodsPerYearDoc)] double periodsPerYear = 252) =>
        ToolGuard.Run(() => SeriesStatistics.AnnualizedVolatility(returns, periodsPerYear));

    [McpServerTool(Name = "sharpe_ratio", Title = "Sharpe ratio", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Annualised Sharpe ratio: mean of (return - riskFreeRate/periodsPerYear) over the sample standard deviation of those excess returns, × √periodsPerYear.")]
    public static double SharpeRatio(
        [Description(ReturnsDoc), MinLength(2)] double[] returns,
        [Description("Annual risk-free rate as a fraction (0.04 for 4 %). Default 0.")] double riskFreeRate = 0,
        [Description(PeriodsPerYearDoc)] double periodsPerYear = 252) =>
        ToolGuard.Run(() => SeriesStatistics.SharpeRatio(returns, riskFreeRate, periodsPerYear));

    [McpServerTool(Name = "sortino_ratio", Title = "Sortino ratio", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Annualised Sortino ratio: (mean return - target per period) over the downside deviation √(Σ min(0, r - target)² / n), counting every period in n, × √periodsPerYear. The per-period target is targetRate/periodsPerYear. An error when no return falls below the target.")]
    public static double SortinoRatio(
        [Description(ReturnsDoc), MinLength(2)] double[] returns,
        [Description("Annual minimum acceptable return as a fraction. Default 0.")] double targetRate = 0,
        [Description(PeriodsPerYearDoc)] double periodsPerYear = 252) =>
        ToolGuard.Run(() => SeriesStatistics.SortinoRatio(returns, targetRate, periodsPerYear));

    [McpServerTool(Name = "max_drawdown", Title = "Maximum drawdown", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Largest peak-to-trough fall of a price or value series (not returns), as a positive fraction of the peak (0.25 = a 25 % fall), with the 0-based indices of the peak, the trough and the first recovery to the peak (null if never recovered).")]
    public static DrawdownResult MaxDrawdown(
        [Description("Prices or portfolio values, oldest first, all greater than 0. At least 2."), MinLength(2)] double[] values) =>
        ToolGuard.Run(() => SeriesStatistics.MaxDrawdown(values));

    [McpServerTool(Name = "beta", Title = "Beta against a benchmark", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Beta of an asset against a benchmark: sample covariance of their returns over the sample variance of the benchmark's (the spreadsheet SLOPE(asset, benchmark)). Both series are per-period returns for the same periods.")]
    public static double Beta(
        [Description("Asset returns as fractions, oldest first."), MinLength(2)] double[] assetReturns,
        [Description("Benchmark returns for the same periods, same length."), MinLength(2)] double[] benchmarkReturns) =>
        ToolGuard.Run(() => SeriesStatistics.Beta(assetReturns, benchmarkReturns));

    [McpServerTool(Name = "correlation", Title = "Correlation", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Pearson correlation of two series of the same length (the spreadsheet CORREL), between -1 and 1.")]
    public static double Correlation(
        [Description("First series, e.g. returns of asset A."), MinLength(2)] double[] x,
        [Description("Second series, same length and periods."), MinLength(2)] double[] y) =>
        ToolGuard.Run(() => SeriesStatistics.Correlation(x, y));

    [McpServerTool(Name = "value_at_risk", Title = "Value at risk and expected shortfall", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Value at risk and expected shortfall (CVaR) of a position from its per-period returns, as positive loss fractions. 'historical': VaR = -PERCENTILE.INC(returns, 1 - confidence) and ES = -mean of returns at or below that percentile, horizon 1 period only. 'parametric': normal with the returns' sample mean μ and standard deviation σ, VaR = z·σ·√h - μ·h, ES = σ·√h·φ(z)/(1 - confidence) - μ·h, z = Φ⁻¹(confidence). Give positionValue to get currency amounts too.")]
    public static VarResult ValueAtRiskTool(
        [Description(ReturnsDoc), MinLength(2)] double[] returns,
        [Description("Confidence level, 0.5 ≤ c < 1: 0.95 or 0.99 typically.")] double confidence = 0.95,
        [Description("'historical' (default) or 'parametric'.")] VarMethod method = VarMethod.Historical,
        [Description("Horizon in periods of the returns (10 for a 10-day VaR from daily returns); parametric only, square-root-of-time scaling. Default 1.")] double horizonPeriods = 1,
        [Description("Current value of the position in currency units, optional.")] double? positionValue = null) =>
        ToolGuard.Run(() =>
        {
            RiskEstimate estimate;
            if (method == VarMethod.Parametric)
            {
                estimate = ValueAtRisk.Parametric(SeriesStatistics.Mean(returns), SeriesStatistics.StandardDeviation(returns), confidence, horizonPeriods);
            }
            else
            {
                if (horizonPeriods != 1)
                {
                    FinancialException.Throw("Historical VaR uses the returns' own horizon; give returns of the horizon you want (e.g. 10-day returns) and horizonPeriods = 1, or use method 'parametric'.");
                }

                estimate = ValueAtRisk.Historical(returns, confidence);
            }

            if (positionValue is double position)
            {
                FinancialException.ThrowIfNotFinite(position, "positionValue");
            }

            return new VarResult(
                estimate.ValueAtRisk,
                estimate.ExpectedShortfall,
                estimate.ValueAtRisk * positionValue,
                estimate.ExpectedShortfall * positionValue,
                method,
                confidence,
                horizonPeriods);
        });
}
