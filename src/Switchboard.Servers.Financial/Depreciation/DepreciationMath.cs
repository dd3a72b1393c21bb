using System.Numerics;

namespace Switchboard.Servers.Financial.Depreciation;

/// <summary>
/// Spreadsheet depreciation: SLN and SYD in <see cref="decimal"/> (exact arithmetic), DB in <see cref="decimal"/>
/// after rounding its rate to three places as the spreadsheet does, DDB in <see cref="double"/> (fractional powers).
/// </summary>
public static class DepreciationMath
{
    /// <summary>Straight-line depreciation per period (spreadsheet SLN).</summary>
    public static decimal StraightLine(decimal cost, decimal salvage, decimal life)
    {
        if (life <= 0)
        {
            FinancialException.Throw($"'life' must be greater than zero; got {life}.");
        }

        return (cost - salvage) / life;
    }

    /// <summary>Sum-of-years'-digits depreciation for <paramref name="period"/> (spreadsheet SYD).</summary>
    public static decimal SumOfYearsDigits(decimal cost, decimal salvage, decimal life, decimal period)
    {
        ValidateLifePeriod(life, period);
        return (cost - salvage) * (life - period + 1) * 2 / (life * (life + 1));
    }

    /// <summary>
    /// Fixed-declining-balance depreciation for <paramref name="period"/> (spreadsheet DB): the rate is
    /// <c>1 − (salvage/cost)^(1/life)</c> rounded to three decimals, the first year prorated by <paramref name="month"/>/12
    /// and a final partial year <c>life + 1</c> when <paramref name="month"/> &lt; 12.
    /// </summary>
    public static decimal DecliningBalance(decimal cost, decimal salvage, int life, int period, int month = 12)
    {
        if (cost <= 0 || salvage < 0)
        {
            FinancialException.Throw($"'cost' must be greater than zero and 'salvage' zero or greater; got cost {cost}, salvage {salvage}.");
        }

        if (life < 1)
        {
            FinancialException.Throw($"'life' must be a whole number of years, at least 1; got {life}.");
        }

        if (month is < 1 or > 12)
        {
            FinancialException.Throw($"'month' (months in the first year) must be between 1 and 12; got {month}.");
        }

        int lastPeriod = month == 12 ? life : life + 1;
        if (period < 1 || period > lastPeriod)
        {
            FinancialException.Throw($"'period' must be between 1 and {lastPeriod} (life{(month == 12 ? string.Empty : " + 1, because the first year is partial")}); got {period}.");
        }

        decimal rate = Math.Round((decimal)(1 - Math.Pow((double)(salvage / cost), 1.0 / life)), 3, MidpointRounding.AwayFromZero);
        decimal total = 0;
        decimal depreciation = 0;
        for (int p = 1; p <= period; p++)
        {
            depreciation = p == 1
                ? cost * rate * month / 12
                : p == life + 1
                    ? (cost - total) * rate * (12 - month) / 12
                    : (cost - total) * rate;
            total += depreciation;
        }

        return depreciation;
    }

    /// <summary>
    /// Double-declining-balance (or any <paramref name="factor"/>) depreciation for <paramref name="period"/>
    /// (spreadsheet DDB): never depreciates below <paramref name="salvage"/>.
    /// </summary>
    public static double DoubleDecliningBalance(double cost, double salvage, double life, double period, double factor = 2)
    {
        FinancialException.ThrowIfNegative(cost, "cost");
        FinancialException.ThrowIfNegative(salvage, "salvage");
        FinancialException.ThrowIfNotPositive(factor, "factor");
        FinancialException.ThrowIfNotPositive(life, "life");
        FinancialException.ThrowIfNotFinite(period, "period");
        ValidateLifePeriod(life, period); // as double: a life of 1e308 is no decimal

        double rate = factor / life;
        double oldValue;
        if (rate >= 1)
        {
            rate = 1;
            oldValue = period == 1 ? cost : 0;
        }
        else
        {
            oldValue = cost * Math.Pow(1 - rate, period - 1);
        }

        double newValue = cost * Math.Pow(1 - rate, period);
        double depreciation = newValue < salvage ? oldValue - salvage : oldValue - newValue;
        return Math.Max(depreciation, 0);
    }

    private static void ValidateLifePeriod<T>(T life, T period)
        where T : INumber<T>
    {
        if (life <= T.Zero)
        {
            FinancialException.Throw($"'life' must be greater than zero; got {life}.");
        }

        if (period < T.One || period > life)
        {
            FinancialException.Throw($"'period' must be between 1 and 'life' ({life}); got {period}.");
        }
    }
}
