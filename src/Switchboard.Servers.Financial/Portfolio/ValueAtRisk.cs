using Switchboard.Servers.Financial.Options;

namespace Switchboard.Servers.Financial.Portfolio;

/// <summary>A loss quantile and the mean loss beyond it, both as positive fractions of the position (0.05 = 5 %).</summary>
/// <param name="ValueAtRisk">The loss not exceeded with the given confidence.</param>
/// <param name="ExpectedShortfall">The mean loss in the cases at or beyond the value at risk (CVaR).</param>
public sealed record RiskEstimate(double ValueAtRisk, double ExpectedShortfall);

/// <summary>Value at risk and expected shortfall, historical (empirical quantile) and parametric (normal).</summary>
public static class ValueAtRisk
{
    /// <summary>
    /// Historical VaR and expected shortfall from per-period returns: VaR = −PERCENTILE.INC(returns, 1 − confidence),
    /// ES = −mean of the returns at or below that percentile.
    /// </summary>
    public static RiskEstimate Historical(IReadOnlyList<double> returns, double confidence)
    {
        ValidateConfidence(confidence);
        SeriesStatistics.ValidateSeries(returns, "returns", 2);
        double quantile = SeriesStatistics.Percentile(returns, 1 - confidence);
        var tail = returns.Where(r => r <= quantile).ToArray();
        return new RiskEstimate(-quantile, -tail.Average());
    }

    /// <summary>
    /// Normal (variance–covariance) VaR and expected shortfall over <paramref name="horizonPeriods"/> periods:
    /// VaR = z·σ·√h − μ·h, ES = σ·√h·φ(z)/(1 − c) − μ·h, with z = Φ⁻¹(c) and μ, σ per period.
    /// </summary>
    public static RiskEstimate Parametric(double mean, double standardDeviation, double confidence, double horizonPeriods = 1)
    {
        ValidateConfidence(confidence);
        FinancialException.ThrowIfNotFinite(mean, "mean");
        FinancialException.ThrowIfNegative(standardDeviation, "standardDeviation");
        FinancialException.ThrowIfNotPositive(horizonPeriods, "horizonPeriods");
        double z = NormalDistribution.Quantile(confidence);
        double sigma = standardDeviation * Math.Sqrt(horizonPeriods);
        double drift = mean * horizonPeriods;
        return new RiskEstimate(z * sigma - drift, sigma * NormalDistribution.Density(z) / (1 - confidence) - drift);
    }

    private static void ValidateConfidence(double confidence)
    {
        if (!(confidence >= 0.5 && confidence < 1))
        {
            FinancialException.Throw($"'confidence' is a probability such as 0.95 or 0.99 and must be in [0.5, 1); got {confidence}.");
        }
    }
}
