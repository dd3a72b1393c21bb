namespace Switchboard.Servers.Financial.Solvers;

/// <summary>A function's value and first derivative at one point.</summary>
internal delegate (double Value, double Derivative) FunctionWithDerivative(double x);

/// <summary>
/// Root finding that cannot return a wrong number: every root comes from a bracket whose ends have opposite signs,
/// refined by Newton steps that fall back to bisection whenever Newton would leave the bracket or stall
/// (the <c>rtsafe</c> scheme of Press et al., <i>Numerical Recipes</i>, 3rd ed., §9.4).
/// </summary>
internal static class RootFinder
{
    /// <summary>Relative tolerance on the root: well below a basis point of a basis point.</summary>
    public const double DefaultTolerance = 1e-13;

    public const int DefaultMaxIterations = 300;

    /// <summary>Finds the root of <paramref name="f"/> inside [<paramref name="lo"/>, <paramref name="hi"/>], whose ends must have opposite signs.</summary>
    /// <exception cref="FinancialException">The ends do not bracket a root, or the iteration did not converge.</exception>
    public static double SolveBracketed(FunctionWithDerivative f, double lo, double hi, string what, double tolerance = DefaultTolerance, int maxIterations = DefaultMaxIterations)
    {
        var (fLo, _) = f(lo);
        var (fHi, _) = f(hi);
        if (fLo == 0)
        {
            return lo;
        }

        if (fHi == 0)
        {
            return hi;
        }

        if (double.IsNaN(fLo) || double.IsNaN(fHi) || Math.Sign(fLo) == Math.Sign(fHi))
        {
            FinancialException.Throw($"Cannot solve for {what}: the search interval [{lo:G6}, {hi:G6}] does not bracket a solution.");
        }

        // Orient the bracket so that f(negativeEnd) < 0 < f(positiveEnd).
        double negativeEnd = fLo < 0 ? lo : hi;
        double positiveEnd = fLo < 0 ? hi : lo;
        double x = 0.5 * (lo + hi);
        double step = Math.Abs(hi - lo);
        double previousStep = step;
        var (fx, dfx) = f(x);

        for (int i = 0; i < maxIterations; i++)
        {
            if (double.IsNaN(fx))
            {
                break;
            }

            if (fx == 0)
            {
                return x;
            }

            bool newtonLeavesBracket = ((x - positiveEnd) * dfx - fx) * ((x - negativeEnd) * dfx - fx) > 0;
            bool newtonTooSlow = Math.Abs(2 * fx) > Math.Abs(previousStep * dfx);
            previousStep = step;
            if (!double.IsFinite(dfx) || dfx == 0 || !double.IsFinite(fx) || newtonLeavesBracket || newtonTooSlow)
            {
                step = 0.5 * (positiveEnd - negativeEnd);
                x = negativeEnd + step;
            }
            else
            {
                step = fx / dfx;
                x -= step;
            }

            if (Math.Abs(step) <= tolerance * Math.Max(1, Math.Abs(x)))
            {
                return x;
            }

            (fx, dfx) = f(x);
            if (fx < 0)
            {
                negativeEnd = x;
            }
            else
            {
                positiveEnd = x;
            }
        }

        FinancialException.Throw($"Cannot solve for {what}: the iteration did not converge in {maxIterations} steps. Check the inputs for extreme magnitudes.");
        return double.NaN;
    }

    /// <summary>
    /// Every root of <paramref name="f"/> the sampling <paramref name="grid"/> reveals (a sign change between
    /// neighbouring points, or an exact zero at one), each refined to full precision, in ascending order.
    /// </summary>
    public static List<double> FindAllRoots(FunctionWithDerivative f, IReadOnlyList<double> grid, string what)
    {
        var roots = new List<double>();
        double previousX = grid[0];
        double previousF = f(previousX).Value;
        if (previousF == 0)
        {
            roots.Add(previousX);
        }

        for (int i = 1; i < grid.Count; i++)
        {
            double x = grid[i];
            double fx = f(x).Value;
            if (double.IsNaN(fx))
            {
                previousF = fx;
                continue;
            }

            if (fx == 0)
            {
                roots.Add(x);
            }
            else if (previousF != 0 && !double.IsNaN(previousF) && Math.Sign(fx) != Math.Sign(previousF))
            {
                roots.Add(SolveBracketed(f, previousX, x, what));
            }

            previousX = x;
            previousF = fx;
        }

        return roots;
    }
}
