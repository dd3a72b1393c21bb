using Switchboard.Servers.Financial.Solvers;

namespace Switchboard.Servers.Financial.CashFlows;

/// <summary>
/// Discounted cash flows with the spreadsheet meanings: NPV discounts its first value by one full period, IRR's first
/// value is at time 0, XNPV/XIRR measure time as actual days / 365 from the first date.
/// </summary>
/// <remarks>In <see cref="double"/>: discounting uses fractional powers and IRR/XIRR are iterative.</remarks>
public static class CashFlowMath
{
    /// <summary>Most cash flows a single call accepts; keeps the root scan bounded.</summary>
    public const int MaxCashFlows = 10_000;

    /// <summary>Net present value (spreadsheet NPV): <c>Σ values[i] / (1 + rate)^(i + 1)</c>.</summary>
    public static double NetPresentValue(double rate, IReadOnlyList<double> values)
    {
        ValidateRate(rate);
        ValidateValues(values, requireBothSigns: false);
        double sum = 0;
        double factor = 1;
        foreach (double value in values)
        {
            factor /= 1 + rate;
            sum += value * factor;
        }

        return sum;
    }

    /// <summary>Internal rate of return (spreadsheet IRR): the one rate at which the periodic cash flows have zero NPV, first value at time 0.</summary>
    /// <exception cref="FinancialException">No sign change, no root, or several roots.</exception>
    public static double InternalRateOfReturn(IReadOnlyList<double> values)
    {
        ValidateValues(values, requireBothSigns: true);
        var times = new double[values.Count];
        for (int i = 0; i < times.Length; i++)
        {
            times[i] = i;
        }

        return SolveRate(values, times, "IRR");
    }

    /// <summary>Net present value of dated cash flows (spreadsheet XNPV): <c>Σ values[i] / (1 + rate)^((dates[i] − dates[0]) / 365)</c>.</summary>
    public static double NetPresentValue(double rate, IReadOnlyList<double> values, IReadOnlyList<DateOnly> dates)
    {
        ValidateRate(rate);
        var times = YearsFromFirst(values, dates, requireBothSigns: false);
        double sum = 0;
        for (int i = 0; i < times.Length; i++)
        {
            sum += values[i] * Math.Pow(1 + rate, -times[i]);
        }

        return sum;
    }

    /// <summary>Internal rate of return of dated cash flows (spreadsheet XIRR), an annual effective rate on an actual/365 basis.</summary>
    /// <exception cref="FinancialException">No sign change, no root, or several roots.</exception>
    public static double InternalRateOfReturn(IReadOnlyList<double> values, IReadOnlyList<DateOnly> dates)
    {
        var times = YearsFromFirst(values, dates, requireBothSigns: true);
        return SolveRate(values, times, "XIRR");
    }

    /// <summary>
    /// Modified internal rate of return (spreadsheet MIRR): negative flows discounted at <paramref name="financeRate"/>,
    /// positive flows compounded at <paramref name="reinvestRate"/>, over <c>values.Count − 1</c> periods.
    /// </summary>
    public static double ModifiedInternalRateOfReturn(IReadOnlyList<double> values, double financeRate, double reinvestRate)
    {
        ValidateValues(values, requireBothSigns: true);
        ValidateRate(financeRate, "financeRate");
        ValidateRate(reinvestRate, "reinvestRate");
        int n = values.Count;
        if (n < 2)
        {
            FinancialException.Throw("MIRR needs at least two cash flows.");
        }

        double presentNegatives = 0;
        double futurePositives = 0;
        for (int i = 0; i < n; i++)
        {
            if (values[i] < 0)
            {
                presentNegatives += values[i] / Math.Pow(1 + financeRate, i);
            }
            else
            {
                futurePositives += values[i] * Math.Pow(1 + reinvestRate, n - 1 - i);
            }
        }

        return Math.Pow(-futurePositives / presentNegatives, 1.0 / (n - 1)) - 1;
    }

    /// <summary>How many times the sign changes along the cash flows, zeros skipped: an upper bound on the number of IRRs (Descartes' rule of signs).</summary>
    public static int SignChanges(IReadOnlyList<double> values)
    {
        int changes = 0;
        int previous = 0;
        foreach (double value in values)
        {
            int sign = Math.Sign(value);
            if (sign != 0)
            {
                if (previous != 0 && sign != previous)
                {
                    changes++;
                }

                previous = sign;
            }
        }

        return changes;
    }

    private static double SolveRate(IReadOnlyList<double> values, double[] times, string name)
    {
        // Σ c·(1+r)^−t, scaled by e^−max(exponent) when it would overflow: the scale is positive, so signs and roots survive.
        (double, double) Npv(double rate)
        {
            double log = double.LogP1(rate);
            double shift = 0;
            for (int i = 0; i < times.Length; i++)
            {
                shift = Math.Max(shift, -times[i] * log);
            }

            shift = shift > 700 ? shift : 0;
            double value = 0;
            double slope = 0;
            for (int i = 0; i < times.Length; i++)
            {
                double term = values[i] * Math.Exp(-times[i] * log - shift);
                value += term;
                slope -= times[i] * term / (1 + rate);
            }

            return (value, slope);
        }

        return RateGrid.SolveUnique(
            Npv,
            name,
            "the net present value keeps one sign at every rate. Check that the cash flows include both the investment (negative) and the returns (positive) in the right magnitudes.",
            $"The cash flows change sign {SignChanges(values)} times, so the IRR is not a meaningful single number; use MIRR with explicit finance and reinvestment rates, or NPV/XNPV at a chosen discount rate.");
    }

    private static double[] YearsFromFirst(IReadOnlyList<double> values, IReadOnlyList<DateOnly> dates, bool requireBothSigns)
    {
        ValidateValues(values, requireBothSigns);
        if (dates is null || dates.Count != values.Count)
        {
            FinancialException.Throw($"'dates' must have one date per cash flow: got {dates?.Count ?? 0} dates for {values.Count} values.");
        }

        var times = new double[values.Count];
        for (int i = 0; i < times.Length; i++)
        {
            int days = dates[i].DayNumber - dates[0].DayNumber;
            if (days < 0)
            {
                FinancialException.Throw($"dates[{i}] ({dates[i]:yyyy-MM-dd}) is before the first date ({dates[0]:yyyy-MM-dd}); the first date must be the earliest, as in the spreadsheet.");
            }

            times[i] = days / 365.0;
        }

        return times;
    }

    private static void ValidateRate(double rate, string name = "rate")
    {
        FinancialException.ThrowIfNotFinite(rate, name);
        if (rate <= -1)
        {
            FinancialException.Throw($"'{name}' must be greater than -1 (−100 %); got {rate}.");
        }
    }

    private static void ValidateValues(IReadOnlyList<double> values, bool requireBothSigns)
    {
        if (values is null || values.Count == 0)
        {
            FinancialException.Throw("'values' must contain at least one cash flow.");
        }

        if (values.Count > MaxCashFlows)
        {
            FinancialException.Throw($"'values' may hold at most {MaxCashFlows} cash flows; got {values.Count}.");
        }

        for (int i = 0; i < values.Count; i++)
        {
            FinancialException.ThrowIfNotFinite(values[i], $"values[{i}]");
        }

        if (requireBothSigns && (!values.Any(v => v > 0) || !values.Any(v => v < 0)))
        {
            FinancialException.Throw("The cash flows need at least one negative value (money invested or paid) and one positive value (money received); with a single sign no rate makes the net present value zero.");
        }
    }
}
