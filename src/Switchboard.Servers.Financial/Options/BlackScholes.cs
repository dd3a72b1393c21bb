using Switchboard.Servers.Financial.Solvers;

namespace Switchboard.Servers.Financial.Options;

/// <summary>Price and sensitivities of a European option.</summary>
/// <param name="Price">Option value, in the currency of the spot and strike.</param>
/// <param name="Delta">∂price/∂spot.</param>
/// <param name="Gamma">∂²price/∂spot².</param>
/// <param name="Vega">∂price/∂σ per 1.00 of volatility (divide by 100 for one volatility point).</param>
/// <param name="Theta">∂price/∂t per year of calendar time passing (divide by 365 for one day).</param>
/// <param name="Rho">∂price/∂r per 1.00 of rate (divide by 100 for one percentage point).</param>
/// <param name="D1">The d₁ term.</param>
/// <param name="D2">The d₂ term.</param>
public sealed record OptionValuation(double Price, double Delta, double Gamma, double Vega, double Theta, double Rho, double D1, double D2);

/// <summary>
/// Black–Scholes–Merton for European options on an asset with a continuous dividend yield q (Merton 1973; Hull,
/// <i>Options, Futures, and Other Derivatives</i>, chapters 15 and 19). Rates and volatility are annual, continuously compounded.
/// </summary>
public static class BlackScholes
{
    /// <summary>Values the option and its greeks.</summary>
    public static OptionValuation Value(OptionType type, double spot, double strike, double years, double riskFreeRate, double volatility, double dividendYield = 0)
    {
        Validate(type, spot, strike, years, riskFreeRate, dividendYield);
        FinancialException.ThrowIfNotPositive(volatility, "volatility");
        if (volatility > 10)
        {
            FinancialException.Throw($"'volatility' is an annual fraction (0.25 for 25 %) and must be at most 10; got {volatility}.");
        }

        double sqrtT = Math.Sqrt(years);
        double d1 = (Math.Log(spot / strike) + (riskFreeRate - dividendYield + 0.5 * volatility * volatility) * years) / (volatility * sqrtT);
        double d2 = d1 - volatility * sqrtT;
        double spotDiscount = Math.Exp(-dividendYield * years);
        double strikeDiscount = Math.Exp(-riskFreeRate * years);
        double density = NormalDistribution.Density(d1);
        double gamma = spotDiscount * density / (spot * volatility * sqrtT);
        double vega = spot * spotDiscount * density * sqrtT;
        double decay = -spot * spotDiscount * density * volatility / (2 * sqrtT);

        if (type == OptionType.Call)
        {
            double nd1 = NormalDistribution.Cdf(d1);
            double nd2 = NormalDistribution.Cdf(d2);
            return new OptionValuation(
                spot * spotDiscount * nd1 - strike * strikeDiscount * nd2,
                spotDiscount * nd1,
                gamma,
                vega,
                decay - riskFreeRate * strike * strikeDiscount * nd2 + dividendYield * spot * spotDiscount * nd1,
                strike * years * strikeDiscount * nd2,
                d1,
                d2);
        }

        double nMinusD1 = NormalDistribution.Cdf(-d1);
        double nMinusD2 = NormalDistribution.Cdf(-d2);
        return new OptionValuation(
            strike * strikeDiscount * nMinusD2 - spot * spotDiscount * nMinusD1,
            -spotDiscount * nMinusD1,
            gamma,
            vega,
            decay + riskFreeRate * strike * strikeDiscount * nMinusD2 - dividendYield * spot * spotDiscount * nMinusD1,
            -strike * years * strikeDiscount * nMinusD2,
            d1,
            d2);
    }

    /// <summary>
    /// The volatility at which the model reproduces <paramref name="price"/>. The price rises strictly with volatility,
    /// so a price inside the no-arbitrage bounds has exactly one solution, found by bracketed Newton on vega.
    /// </summary>
    /// <exception cref="FinancialException">The price is outside the no-arbitrage bounds, or too close to them to pin down a volatility.</exception>
    public static double ImpliedVolatility(OptionType type, double price, double spot, double strike, double years, double riskFreeRate, double dividendYield = 0)
    {
        Validate(type, spot, strike, years, riskFreeRate, dividendYield);
        FinancialException.ThrowIfNotPositive(price, "price");
        double forwardSpot = spot * Math.Exp(-dividendYield * years);
        double discountedStrike = strike * Math.Exp(-riskFreeRate * years);
        double lower = type == OptionType.Call ? Math.Max(forwardSpot - discountedStrike, 0) : Math.Max(discountedStrike - forwardSpot, 0);
        double upper = type == OptionType.Call ? forwardSpot : discountedStrike;
        if (price <= lower || price >= upper)
        {
            FinancialException.Throw(
                $"A {type.ToString().ToLowerInvariant()} price of {price} is outside the no-arbitrage range ({lower:G8}, {upper:G8}) for these inputs, so no volatility reproduces it. "
                + $"Check the price, the option type, and that rates and dividend yield are annual fractions.");
        }

        const double MinVolatility = 1e-6;
        const double MaxVolatility = 10;
        (double, double) Error(double sigma)
        {
            var valuation = Value(type, spot, strike, years, riskFreeRate, sigma, dividendYield);
            return (valuation.Price - price, valuation.Vega);
        }

        if (Error(MinVolatility).Item1 > 0 || Error(MaxVolatility).Item1 < 0)
        {
            FinancialException.Throw($"The price {price} implies a volatility outside {MinVolatility} to {MaxVolatility} (0.0001 % to 1000 %); it is too close to the no-arbitrage bounds to solve reliably.");
        }

        return RootFinder.SolveBracketed(Error, MinVolatility, MaxVolatility, "implied volatility");
    }

    private static void Validate(OptionType type, double spot, double strike, double years, double riskFreeRate, double dividendYield)
    {
        if (!Enum.IsDefined(type))
        {
            FinancialException.Throw("'type' must be 'call' or 'put'.");
        }

        FinancialException.ThrowIfNotPositive(spot, "spot");
        FinancialException.ThrowIfNotPositive(strike, "strike");
        FinancialException.ThrowIfNotPositive(years, "years");
        FinancialException.ThrowIfNotFinite(riskFreeRate, "riskFreeRate");
        FinancialException.ThrowIfNotFinite(dividendYield, "dividendYield");
        if (Math.Abs(riskFreeRate) > 1 || Math.Abs(dividendYield) > 1)
        {
            FinancialException.Throw("'riskFreeRate' and 'dividendYield' are annual fractions (0.05 for 5 %) and must lie between -1 and 1.");
        }
    }
}
