using Switchboard.Servers.Financial.Bonds;
using Switchboard.Servers.Financial.CashFlows;
using Switchboard.Servers.Financial.Options;
using Switchboard.Servers.Financial.TimeValue;

namespace Switchboard.Servers.Financial.Tests;

// Identities that must hold for any valid input, checked over seeded pseudo-random samples (reproducible).
public sealed class PropertyTests
{
    private const int Samples = 200;

    [Fact]
    public void PvOfFv_RoundTrips()
    {
        var random = new Random(1);
        for (int i = 0; i < Samples; i++)
        {
            double rate = random.NextDouble() * 0.3 - 0.05;
            double periods = random.Next(1, 400);
            double pmt = random.NextDouble() * 2000 - 1000;
            double pv = random.NextDouble() * 200000 - 100000;
            var timing = random.Next(2) == 0 ? PaymentTiming.End : PaymentTiming.Beginning;
            double fv = TimeValueMath.FutureValue(rate, periods, pmt, pv, timing);
            Assert.Equal(pv, TimeValueMath.PresentValue(rate, periods, pmt, fv, timing), 1e-6 * Math.Max(1, Math.Abs(fv)));
        }
    }

    [Fact]
    public void RateOfPmt_RecoversTheRate()
    {
        var random = new Random(2);
        for (int i = 0; i < Samples; i++)
        {
            double rate = random.NextDouble() * 0.05 + 0.0001;
            double periods = random.Next(2, 480);
            double pv = random.NextDouble() * 500000 + 1000;
            double pmt = TimeValueMath.Payment(rate, periods, pv);
            Assert.Equal(rate, TimeValueMath.Rate(periods, pmt, pv), 1e-9);
            Assert.Equal(periods, TimeValueMath.Periods(rate, pmt, pv), 1e-4); // NPER is ill-conditioned for long loans: a 1e-12 change in pmt moves it by ~1e-6
        }
    }

    [Fact]
    public void PrincipalPayments_SumToTheLoan()
    {
        double total = 0;
        for (int period = 1; period <= 60; period++)
        {
            total += TimeValueMath.PrincipalPayment(0.07 / 12, period, 60, 25000);
            Assert.Equal(TimeValueMath.Payment(0.07 / 12, 60, 25000), TimeValueMath.InterestPayment(0.07 / 12, period, 60, 25000) + TimeValueMath.PrincipalPayment(0.07 / 12, period, 60, 25000), 1e-9);
        }

        Assert.Equal(-25000, total, 1e-7);
    }

    [Fact]
    public void NpvAtIrr_IsZero()
    {
        var random = new Random(3);
        for (int i = 0; i < Samples; i++)
        {
            // One sign change (investment then returns) guarantees exactly one IRR.
            var values = new double[random.Next(2, 30)];
            values[0] = -(random.NextDouble() * 10000 + 100);
            for (int k = 1; k < values.Length; k++)
            {
                values[k] = random.NextDouble() * 3000;
            }

            double irr = CashFlowMath.InternalRateOfReturn(values);
            double npvAtTimeZero = values[0] + CashFlowMath.NetPresentValue(irr, values[1..]);
            Assert.Equal(0, npvAtTimeZero, 1e-7 * Math.Abs(values[0]));
        }
    }

    [Fact]
    public void XnpvAtXirr_IsZero()
    {
        var random = new Random(4);
        for (int i = 0; i < Samples; i++)
        {
            int n = random.Next(2, 20);
            var values = new double[n];
            var dates = new DateOnly[n];
            values[0] = -(random.NextDouble() * 10000 + 100);
            dates[0] = new DateOnly(2020, 1, 1).AddDays(random.Next(0, 2000));
            for (int k = 1; k < n; k++)
            {
                // Returns of 50 % to 200 % of the investment in all: an XIRR well inside the solver's range.
                values[k] = -values[0] * (random.NextDouble() * 1.5 + 0.5) / (n - 1);
                dates[k] = dates[k - 1].AddDays(random.Next(1, 400));
            }

            double xirr = CashFlowMath.InternalRateOfReturn(values, dates);
            Assert.Equal(0, CashFlowMath.NetPresentValue(xirr, values, dates), 1e-7 * Math.Abs(values[0]));
        }
    }

    [Fact]
    public void Xirr_YearlyDatesInCommonYears_EqualsIrr() =>
        Assert.Equal(
            CashFlowMath.InternalRateOfReturn([-1000, 300, 400, 500]),
            CashFlowMath.InternalRateOfReturn([-1000, 300, 400, 500], [new(2021, 1, 1), new(2022, 1, 1), new(2023, 1, 1), new(2024, 1, 1)]),
            1e-12);

    [Fact]
    public void PutCallParity_HoldsWithDividends()
    {
        var random = new Random(5);
        for (int i = 0; i < Samples; i++)
        {
            double spot = random.NextDouble() * 200 + 1;
            double strike = spot * (random.NextDouble() + 0.5);
            double years = random.NextDouble() * 3 + 0.01;
            double rate = random.NextDouble() * 0.1 - 0.01;
            double q = random.NextDouble() * 0.05;
            double sigma = random.NextDouble() * 0.8 + 0.05;
            double call = BlackScholes.Value(OptionType.Call, spot, strike, years, rate, sigma, q).Price;
            double put = BlackScholes.Value(OptionType.Put, spot, strike, years, rate, sigma, q).Price;
            Assert.Equal(spot * Math.Exp(-q * years) - strike * Math.Exp(-rate * years), call - put, 1e-9 * spot);
        }
    }

    [Fact]
    public void ImpliedVolatility_RoundTripsThePrice()
    {
        var random = new Random(6);
        for (int i = 0; i < Samples; i++)
        {
            var type = random.Next(2) == 0 ? OptionType.Call : OptionType.Put;
            double spot = 100;
            double strike = random.NextDouble() * 60 + 70;
            double years = random.NextDouble() * 2 + 0.05;
            double sigma = random.NextDouble() * 0.9 + 0.05;
            double price = BlackScholes.Value(type, spot, strike, years, 0.03, sigma).Price;
            if (price < 1e-6)
            {
                continue;
            }

            Assert.Equal(sigma, BlackScholes.ImpliedVolatility(type, price, spot, strike, years, 0.03), 1e-6);
        }
    }

    [Fact]
    public void Greeks_MatchFiniteDifferences()
    {
        const double h = 1e-4;
        foreach (var type in new[] { OptionType.Call, OptionType.Put })
        {
            var v = BlackScholes.Value(type, 100, 95, 0.75, 0.04, 0.3, 0.01);
            double Price(double s, double t, double r, double sigma) => BlackScholes.Value(type, s, 95, t, r, sigma, 0.01).Price;
            Assert.Equal((Price(100 + h, 0.75, 0.04, 0.3) - Price(100 - h, 0.75, 0.04, 0.3)) / (2 * h), v.Delta, 1e-6);
            Assert.Equal((Price(100 + h, 0.75, 0.04, 0.3) - 2 * v.Price + Price(100 - h, 0.75, 0.04, 0.3)) / (h * h), v.Gamma, 1e-3);
            Assert.Equal((Price(100, 0.75, 0.04, 0.3 + h) - Price(100, 0.75, 0.04, 0.3 - h)) / (2 * h), v.Vega, 1e-5);
            Assert.Equal(-(Price(100, 0.75 + h, 0.04, 0.3) - Price(100, 0.75 - h, 0.04, 0.3)) / (2 * h), v.Theta, 1e-5);
            Assert.Equal((Price(100, 0.75, 0.04 + h, 0.3) - Price(100, 0.75, 0.04 - h, 0.3)) / (2 * h), v.Rho, 1e-5);
        }
    }

    [Fact]
    public void PriceOfYield_RoundTrips()
    {
        var random = new Random(7);
        var bases = Enum.GetValues<DayCountBasis>();
        for (int i = 0; i < Samples; i++)
        {
            var settlement = new DateOnly(2020, 1, 1).AddDays(random.Next(0, 1000));
            var maturity = settlement.AddDays(random.Next(30, 30 * 365));
            double coupon = random.NextDouble() * 0.1;
            double yield = random.NextDouble() * 0.15;
            var frequency = (CouponFrequency)new[] { 1, 2, 4 }[random.Next(3)];
            var basis = bases[random.Next(bases.Length)];
            double price = BondMath.Price(settlement, maturity, coupon, yield, 100, frequency, basis);
            Assert.Equal(yield, BondMath.Yield(settlement, maturity, coupon, price, 100, frequency, basis), 1e-9);
        }
    }

    [Fact]
    public void ModifiedDuration_MatchesPriceSensitivity()
    {
        // On a coupon date the clean price is the full price, so -dP/dy / P is the modified duration and d²P/dy² / P the convexity.
        var settlement = new DateOnly(2024, 5, 15);
        var maturity = new DateOnly(2034, 5, 15);
        const double h = 1e-5;
        double Price(double y) => BondMath.Price(settlement, maturity, 0.05, y, 100, CouponFrequency.Semiannual, DayCountBasis.ActualActual);
        var (_, modified, convexity) = BondMath.Risk(settlement, maturity, 0.05, 0.06, CouponFrequency.Semiannual, DayCountBasis.ActualActual);
        Assert.Equal(-(Price(0.06 + h) - Price(0.06 - h)) / (2 * h) / Price(0.06), modified, 1e-6);
        Assert.Equal((Price(0.06 + h) - 2 * Price(0.06) + Price(0.06 - h)) / (h * h) / Price(0.06), convexity, 1e-3);
    }

    [Fact]
    public void NominalOfEffective_RoundTrips()
    {
        for (double rate = 0.001; rate < 0.5; rate += 0.01)
        {
            foreach (int n in new[] { 1, 2, 4, 12, 52, 365 })
            {
                Assert.Equal(rate, InterestRates.Nominal(InterestRates.Effective(rate, n), n), 1e-12);
            }
        }
    }

    [Fact]
    public void NormalQuantile_InvertsCdf()
    {
        for (double p = 0.0005; p < 1; p += 0.0137)
        {
            Assert.Equal(p, NormalDistribution.Cdf(NormalDistribution.Quantile(p)), 1e-14);
        }
    }
}
