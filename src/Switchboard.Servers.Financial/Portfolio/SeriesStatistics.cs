namespace Switchboard.Servers.Financial.Portfolio;

/// <summary>The worst peak-to-trough fall of a value series.</summary>
/// <param name="Drawdown">The fall as a positive fraction of the peak (0.25 = −25 %); 0 when the series never falls.</param>
/// <param name="PeakIndex">0-based index of the peak.</param>
/// <param name="TroughIndex">0-based index of the trough.</param>
/// <param name="RecoveryIndex">0-based index where the series first regains the peak, or null if it never does.</param>
public sealed record DrawdownResult(double Drawdown, int PeakIndex, int TroughIndex, int? RecoveryIndex);

/// <summary>
/// Return-series statistics. Returns are per-period fractions (0.01 = 1 %); annualisation multiplies the mean by and
/// the standard deviation by the square root of the periods per year; standard deviations are sample ones (n − 1).
/// </summary>
/// <remarks>In <see cref="double"/>: statistics, not money.</remarks>
public static class SeriesStatistics
{
    /// <summary>Longest series a call accepts.</summary>
    public const int MaxLength = 100_000;

    /// <summary>Period-over-period simple returns <c>p[t]/p[t−1] − 1</c>.</summary>
    public static double[] SimpleReturns(IReadOnlyList<double> prices)
    {
        ValidatePrices(prices);
        var returns = new double[prices.Count - 1];
        for (int i = 1; i < prices.Count; i++)
        {
            returns[i - 1] = prices[i] / prices[i - 1] - 1;
        }

        return returns;
    }

    /// <summary>Period-over-period log returns <c>ln(p[t]/p[t−1])</c>.</summary>
    public static double[] LogReturns(IReadOnlyList<double> prices)
    {
        ValidatePrices(prices);
        var returns = new double[prices.Count - 1];
        for (int i = 1; i < prices.Count; i++)
        {
            returns[i - 1] = Math.Log(prices[i] / prices[i - 1]);
        }

        return returns;
    }

    /// <summary>Compound annual growth rate <c>(end/start)^(1/years) − 1</c>.</summary>
    public static double Cagr(double startValue, double endValue, double years)
    {
        FinancialException.ThrowIfNotPositive(startValue, "startValue");
        FinancialException.ThrowIfNegative(endValue, "endValue");
        FinancialException.ThrowIfNotPositive(years, "years");
        return Math.Pow(endValue / startValue, 1 / years) - 1;
    }

    /// <summary>Arithmetic mean.</summary>
    public static double Mean(IReadOnlyList<double> values)
    {
        ValidateSeries(values, "returns", 1);
        double sum = 0;
        foreach (double value in values)
        {
            sum += value;
        }

        return sum / values.Count;
    }

    /// <summary>Sample standard deviation (n − 1 denominator, as the spreadsheet STDEV.S).</summary>
    public static double StandardDeviation(IReadOnlyList<double> values)
    {
        ValidateSeries(values, "returns", 2);
        double mean = Mean(values);
        double sum = 0;
        foreach (double value in values)
        {
            sum += (value - mean) * (value - mean);
        }

        return Math.Sqrt(sum / (values.Count - 1));
    }

    /// <summary>Annualised volatility: sample standard deviation × √periodsPerYear.</summary>
    public static double AnnualizedVolatility(IReadOnlyList<double> returns, double periodsPerYear)
    {
        ValidatePeriodsPerYear(periodsPerYear);
        return StandardDeviation(returns) * Math.Sqrt(periodsPerYear);
    }

    /// <summary>
    /// Annualised Sharpe ratio: mean excess return over standard deviation of excess returns, × √periodsPerYear,
    /// the annual risk-free rate spread evenly as <c>riskFreeRate / periodsPerYear</c> per period.
    /// </summary>
    public static double SharpeRatio(IReadOnlyList<double> returns, double riskFreeRate, double periodsPerYear)
    {
        ValidatePeriodsPerYear(periodsPerYear);
        FinancialException.ThrowIfNotFinite(riskFreeRate, "riskFreeRate");
        double perPeriod = riskFreeRate / periodsPerYear;
        double[] excess = [.. returns.Select(r => r - perPeriod)];
        double deviation = StandardDeviation(excess);
        if (deviation == 0)
        {
            FinancialException.Throw("The returns do not vary, so the Sharpe ratio is undefined (division by a zero standard deviation).");
        }

        return Mean(excess) / deviation * Math.Sqrt(periodsPerYear);
    }

    /// <summary>
    /// Annualised Sortino ratio: mean return above the per-period target over the downside deviation
    /// <c>√(Σ min(0, r − target)² / n)</c> (all n periods in the denominator, Sortino &amp; Price 1994), × √periodsPerYear.
    /// </summary>
    public static double SortinoRatio(IReadOnlyList<double> returns, double targetRate, double periodsPerYear)
    {
        ValidatePeriodsPerYear(periodsPerYear);
        FinancialException.ThrowIfNotFinite(targetRate, "targetRate");
        double target = targetRate / periodsPerYear;
        double mean = Mean(returns);
        double downside = 0;
        foreach (double r in returns)
        {
            double shortfall = Math.Min(0, r - target);
            downside += shortfall * shortfall;
        }

        downside = Math.Sqrt(downside / returns.Count);
        if (downside == 0)
        {
            FinancialException.Throw("No return falls below the target, so the downside deviation is zero and the Sortino ratio is undefined.");
        }

        return (mean - target) / downside * Math.Sqrt(periodsPerYear);
    }

    /// <summary>The largest peak-to-trough fall of a value (price, NAV, equity) series.</summary>
    public static DrawdownResult MaxDrawdown(IReadOnlyList<double> values)
    {
        ValidatePrices(values);
        int peak = 0;
        var worst = new DrawdownResult(0, 0, 0, null);
        for (int i = 1; i < values.Count; i++)
        {
            if (values[i] > values[peak])
            {
                peak = i;
                continue;
            }

            double drawdown = 1 - values[i] / values[peak];
            if (drawdown > worst.Drawdown)
            {
                worst = new DrawdownResult(drawdown, peak, i, null);
            }
        }

        for (int i = worst.TroughIndex + 1; worst.Drawdown > 0 && i < values.Count; i++)
        {
            if (values[i] >= values[worst.PeakIndex])
            {
                return worst with { RecoveryIndex = i };
            }
        }

        return worst;
    }

    /// <summary>Sample covariance (n − 1).</summary>
    public static double Covariance(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ValidatePair(x, y);
        double meanX = Mean(x);
        double meanY = Mean(y);
        double sum = 0;
        for (int i = 0; i < x.Count; i++)
        {
            sum += (x[i] - meanX) * (y[i] - meanY);
        }

        return sum / (x.Count - 1);
    }

    /// <summary>Pearson correlation (spreadsheet CORREL).</summary>
    public static double Correlation(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ValidatePair(x, y);
        double sx = StandardDeviation(x);
        double sy = StandardDeviation(y);
        if (sx == 0 || sy == 0)
        {
            FinancialException.Throw("One of the series does not vary, so its correlation is undefined.");
        }

        return Covariance(x, y) / (sx * sy);
    }

    /// <summary>Beta of an asset against a benchmark: cov(asset, benchmark) / var(benchmark) (spreadsheet SLOPE).</summary>
    public static double Beta(IReadOnlyList<double> assetReturns, IReadOnlyList<double> benchmarkReturns)
    {
        ValidatePair(assetReturns, benchmarkReturns);
        double variance = Covariance(benchmarkReturns, benchmarkReturns);
        if (variance == 0)
        {
            FinancialException.Throw("The benchmark returns do not vary, so beta is undefined.");
        }

        return Covariance(assetReturns, benchmarkReturns) / variance;
    }

    /// <summary>The <paramref name="p"/>-quantile with linear interpolation between order statistics (spreadsheet PERCENTILE.INC).</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        ValidateSeries(values, "values", 1);
        if (!(p >= 0 && p <= 1))
        {
            FinancialException.Throw($"The percentile must be between 0 and 1; got {p}.");
        }

        double[] sorted = [.. values.Order()];
        double h = (sorted.Length - 1) * p;
        int below = (int)Math.Floor(h);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
    }

    internal static void ValidateSeries(IReadOnlyList<double> values, string name, int minimum)
    {
        if (values is null || values.Count < minimum)
        {
            FinancialException.Throw($"'{name}' needs at least {minimum} value{(minimum == 1 ? string.Empty : "s")}; got {values?.Count ?? 0}.");
        }

        if (values.Count > MaxLength)
        {
            FinancialException.Throw($"'{name}' may hold at most {MaxLength} values; got {values.Count}.");
        }

        for (int i = 0; i < values.Count; i++)
        {
            FinancialException.ThrowIfNotFinite(values[i], $"{name}[{i}]");
        }
    }

    private static void ValidatePrices(IReadOnlyList<double> prices)
    {
        ValidateSeries(prices, "prices", 2);
        for (int i = 0; i < prices.Count; i++)
        {
            if (prices[i] <= 0)
            {
                FinancialException.Throw($"prices[{i}] is {prices[i]}: prices and values must be greater than zero.");
            }
        }
    }

    private static void ValidatePair(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ValidateSeries(x, "x", 2);
        ValidateSeries(y, "y", 2);
        if (x.Count != y.Count)
        {
            FinancialException.Throw($"The two series must have the same length, one value per period; got {x.Count} and {y.Count}.");
        }
    }

    internal static void ValidatePeriodsPerYear(double periodsPerYear)
    {
        FinancialException.ThrowIfNotPositive(periodsPerYear, "periodsPerYear");
        if (periodsPerYear > 100_000)
        {
            FinancialException.Throw($"'periodsPerYear' must be at most 100000 (252 for trading days, 12 for months); got {periodsPerYear}.");
        }
    }
}
