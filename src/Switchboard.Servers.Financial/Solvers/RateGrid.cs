namespace Switchboard.Servers.Financial.Solvers;

/// <summary>
/// The rates at which the rate solvers (IRR, XIRR, RATE) look for sign changes: 1 + r spaced evenly in log scale
/// from 0.0001 to 10 000 (r from −99.99 % to +999 900 %), 0 included exactly. Roots closer together than about
/// one percent of 1 + r can hide between two samples; that is the documented resolution of the multiple-root check.
/// </summary>
internal static class RateGrid
{
    public const double MinRate = -0.9999;

    public const double MaxRate = 9999;

    private const double LogStep = 0.005;

    public static IReadOnlyList<double> Rates { get; } = Build();

    private static double[] Build()
    {
        int half = (int)Math.Round(Math.Log(1 + MaxRate) / LogStep);
        var rates = new double[2 * half + 1];
        for (int k = -half; k <= half; k++)
        {
            rates[k + half] = k == 0 ? 0 : Math.Exp(k * LogStep) - 1;
        }

        return rates;
    }

    /// <summary>Solves for the one rate where <paramref name="f"/> is zero, or explains why there is not exactly one.</summary>
    /// <exception cref="FinancialException">No rate or several rates in the grid's range make <paramref name="f"/> zero.</exception>
    public static double SolveUnique(FunctionWithDerivative f, string what, string whenNone, string whenSeveral)
    {
        var roots = RootFinder.FindAllRoots(f, Rates, what);
        if (roots.Count == 0)
        {
            FinancialException.Throw($"No {what} exists between {MinRate:P2} and {MaxRate:P0}: {whenNone}");
        }

        if (roots.Count > 1)
        {
            string list = string.Join(", ", roots.Select(r => r.ToString("G10", System.Globalization.CultureInfo.InvariantCulture)));
            FinancialException.Throw($"The {what} is ambiguous: {roots.Count} rates solve the equation ({list}). {whenSeveral}");
        }

        return roots[0];
    }
}
