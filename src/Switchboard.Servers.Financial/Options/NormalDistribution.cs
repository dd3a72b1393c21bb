namespace Switchboard.Servers.Financial.Options;

/// <summary>
/// The standard normal distribution to double precision without lookup tables: the CDF from erfc, computed by a
/// positive-term series near zero and a continued fraction in the tails (Abramowitz &amp; Stegun 7.1.6 and 7.1.14);
/// the quantile by bracketed Newton on the CDF.
/// </summary>
public static class NormalDistribution
{
    private const double InverseSqrtTwoPi = 0.398942280401432677939946059934;

    /// <summary>Density φ(x).</summary>
    public static double Density(double x) => InverseSqrtTwoPi * Math.Exp(-0.5 * x * x);

    /// <summary>Cumulative distribution Φ(x).</summary>
    public static double Cdf(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        double z = -x / Math.Sqrt(2);
        return 0.5 * Erfc(z);
    }

    /// <summary>Quantile Φ⁻¹(p) for 0 &lt; p &lt; 1.</summary>
    public static double Quantile(double p)
    {
        if (!(p > 0 && p < 1))
        {
            FinancialException.Throw($"A probability must be strictly between 0 and 1; got {p}.");
        }

        return Solvers.RootFinder.SolveBracketed(x => (Cdf(x) - p, Density(x)), -40, 40, "normal quantile", tolerance: 1e-15);
    }

    /// <summary>Complementary error function erfc(x) to about 1e-15 relative accuracy.</summary>
    internal static double Erfc(double x)
    {
        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        if (x < 2.5)
        {
            // erf(x) = 2/√π · e^(−x²) · Σ 2ⁿ x^(2n+1) / (1·3·…·(2n+1)): every term positive, so no cancellation.
            double term = x;
            double sum = x;
            double x2 = x * x;
            for (int n = 1; n < 200 && term > sum * 1e-17; n++)
            {
                term *= 2 * x2 / (2 * n + 1);
                sum += term;
            }

            return 1 - 2 / Math.Sqrt(Math.PI) * Math.Exp(-x2) * sum;
        }

        // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated by the modified Lentz method.
        const double Tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0;
        for (int n = 1; n < 500; n++)
        {
            double a = n / 2.0;
            d = x + a * d;
            d = d == 0 ? Tiny : d;
            c = x + a / c;
            c = c == 0 ? Tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16)
            {
                break;
            }
        }

        return Math.Exp(-x * x) / Math.Sqrt(Math.PI) / f;
    }
}
