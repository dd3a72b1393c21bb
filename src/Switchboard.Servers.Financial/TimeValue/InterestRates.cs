namespace Switchboard.Servers.Financial.TimeValue;

/// <summary>Conversion between nominal and effective annual rates (spreadsheet EFFECT and NOMINAL).</summary>
public static class InterestRates
{
    /// <summary>Effective annual rate of a nominal rate compounded <paramref name="periodsPerYear"/> times a year (spreadsheet EFFECT, which truncates the periods to an integer).</summary>
    public static double Effective(double nominalRate, double periodsPerYear)
    {
        int periods = Validate(nominalRate, periodsPerYear, "nominalRate");
        return Math.Pow(1 + nominalRate / periods, periods) - 1;
    }

    /// <summary>Nominal annual rate that compounds to <paramref name="effectiveRate"/> over <paramref name="periodsPerYear"/> periods (spreadsheet NOMINAL).</summary>
    public static double Nominal(double effectiveRate, double periodsPerYear)
    {
        int periods = Validate(effectiveRate, periodsPerYear, "effectiveRate");
        return periods * (Math.Pow(1 + effectiveRate, 1.0 / periods) - 1);
    }

    private static int Validate(double rate, double periodsPerYear, string name)
    {
        FinancialException.ThrowIfNotPositive(rate, name);
        FinancialException.ThrowIfNotFinite(periodsPerYear, "periodsPerYear");
        if (periodsPerYear < 1 || periodsPerYear > 1_000_000)
        {
            FinancialException.Throw($"'periodsPerYear' must be between 1 and 1,000,000 (it is truncated to an integer, as in the spreadsheet); got {periodsPerYear}.");
        }

        return (int)Math.Truncate(periodsPerYear);
    }
}
