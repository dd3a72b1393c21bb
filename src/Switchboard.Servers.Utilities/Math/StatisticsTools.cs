using System.ComponentModel;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Math;

/// <summary>Descriptive statistics.</summary>
[McpServerToolType]
internal static class StatisticsTools
{
    [McpServerTool(Name = "statistics_summary", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Summarizes a list of numbers: count, sum, mean, median, mode(s), min, max, range, sample and population variance and standard deviation (sample uses n-1; null for a single value), quartiles Q1/Q3 and IQR, and any requested percentiles. Quartiles and percentiles interpolate linearly between closest ranks, like the spreadsheet functions QUARTILE.INC and PERCENTILE.INC. Sums use compensated (Kahan) summation.")]
    public static StatisticsSummary Summarize(
        [Description("The numbers, e.g. [2, 4, 4, 4, 5, 5, 7, 9]. 1 to 1,000,000 values, all finite.")] double[] values,
        [Description("Extra percentiles to compute, each 0 to 100, e.g. [90, 95, 99]. Optional.")] double[]? percentiles = null)
    {
        if (values is null || values.Length == 0)
        {
            return ToolError.Throw<StatisticsSummary>("'values' is empty: send at least one number.");
        }

        if (values.Length > Limits.MaxValues)
        {
            ToolError.Throw($"'values' has {values.Length:N0} numbers; the limit is {Limits.MaxValues:N0}.");
        }

        int bad = Array.FindIndex(values, v => !double.IsFinite(v));
        if (bad >= 0)
        {
            ToolError.Throw($"'values'[{bad}] is not a finite number.");
        }

        if (percentiles is { } requested && (requested.Length > 100 || requested.Any(p => !(p >= 0 && p <= 100))))
        {
            ToolError.Throw("'percentiles' must hold at most 100 numbers, each from 0 to 100.");
        }

        double[] sorted = [.. values];
        Array.Sort(sorted);
        int n = sorted.Length;
        double sum = KahanSum(sorted);
        double mean = sum / n;
        double squares = KahanSum(sorted.Select(v => (v - mean) * (v - mean)));

        var modes = sorted.GroupBy(v => v).Select(g => (Value: g.Key, Count: g.Count())).ToList();
        int top = modes.Max(m => m.Count);
        double[] modeValues = top == 1 ? [] : [.. modes.Where(m => m.Count == top).Select(m => m.Value).Take(100)];

        double median = Percentile(sorted, 50);
        double q1 = Percentile(sorted, 25);
        double q3 = Percentile(sorted, 75);
        var percentileValues = percentiles?.Select(p => new PercentileValue(p, Percentile(sorted, p))).ToArray() ?? [];
        double[] results = [sum, mean, median, sorted[^1] - sorted[0], squares, q1, q3, .. percentileValues.Select(p => p.Value)];
        if (!results.All(double.IsFinite))
        {
            ToolError.Throw("The values are too large: their sum, spread or squared deviations overflow double precision (beyond about ±1.8e308). Scale them down (e.g. divide by 1e300) and scale the results back.");
        }

        return new StatisticsSummary(
            n,
            sum,
            mean,
            median,
            modeValues,
            sorted[0],
            sorted[^1],
            sorted[^1] - sorted[0],
            squares / n,
            System.Math.Sqrt(squares / n),
            q1,
            q3,
            q3 - q1,
            percentileValues,
            n > 1 ? squares / (n - 1) : null,
            n > 1 ? System.Math.Sqrt(squares / (n - 1)) : null);
    }

    // PERCENTILE.INC: rank h = (n-1)·p, interpolating between the values around it (Hyndman & Fan type 7).
    private static double Percentile(double[] sorted, double percent)
    {
        double rank = (sorted.Length - 1) * percent / 100;
        int lower = (int)System.Math.Floor(rank);
        int upper = (int)System.Math.Ceiling(rank);
        return sorted[lower] + ((rank - lower) * (sorted[upper] - sorted[lower]));
    }

    private static double KahanSum(IEnumerable<double> values)
    {
        double sum = 0;
        double compensation = 0;
        foreach (double value in values)
        {
            double y = value - compensation;
            double t = sum + y;
            compensation = (t - sum) - y;
            sum = t;
        }

        return sum;
    }
}

/// <summary>Descriptive statistics of a sample.</summary>
/// <param name="Count">How many values.</param>
/// <param name="Sum">Their sum.</param>
/// <param name="Mean">Arithmetic mean.</param>
/// <param name="Median">Middle value (mean of the two middle values for an even count).</param>
/// <param name="Modes">The most frequent values; empty when every value occurs once.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Range">Max minus min.</param>
/// <param name="PopulationVariance">Variance with n, like VAR.P.</param>
/// <param name="PopulationStandardDeviation">Standard deviation with n, like STDEV.P.</param>
/// <param name="Q1">First quartile (QUARTILE.INC).</param>
/// <param name="Q3">Third quartile (QUARTILE.INC).</param>
/// <param name="InterquartileRange">Q3 minus Q1.</param>
/// <param name="Percentiles">The requested percentiles (PERCENTILE.INC).</param>
/// <param name="SampleVariance">Variance with n-1 (Bessel's correction), like VAR.S; absent for one value.</param>
/// <param name="SampleStandardDeviation">Standard deviation with n-1, like STDEV.S; absent for one value.</param>
internal sealed record StatisticsSummary(
    int Count,
    double Sum,
    double Mean,
    double Median,
    IReadOnlyList<double> Modes,
    double Min,
    double Max,
    double Range,
    double PopulationVariance,
    double PopulationStandardDeviation,
    double Q1,
    double Q3,
    double InterquartileRange,
    IReadOnlyList<PercentileValue> Percentiles,
    double? SampleVariance = null,
    double? SampleStandardDeviation = null);

/// <summary>One percentile.</summary>
/// <param name="Percent">The percentile asked for, 0 to 100.</param>
/// <param name="Value">Its value.</param>
internal sealed record PercentileValue(double Percent, double Value);
