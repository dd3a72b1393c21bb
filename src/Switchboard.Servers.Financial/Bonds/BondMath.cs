using Switchboard.Servers.Financial.Solvers;

namespace Switchboard.Servers.Financial.Bonds;

/// <summary>
/// Coupon bond arithmetic as the spreadsheet defines it (PRICE, YIELD, ACCRINT, DURATION, MDURATION), plus convexity
/// on the same cash-flow times. Prices are per 100 of face value; rates are annual fractions (0.065 for 6.5 %).
/// </summary>
/// <remarks>In <see cref="double"/>: discounting uses fractional powers and YIELD is iterative.</remarks>
public static class BondMath
{
    /// <summary>Clean price per 100 face value given an annual yield (spreadsheet PRICE).</summary>
    public static double Price(DateOnly settlement, DateOnly maturity, double rate, double yield, double redemption, CouponFrequency frequency, DayCountBasis basis)
    {
        ValidateTerms(rate, redemption);
        FinancialException.ThrowIfNegative(yield, "yield");
        var schedule = CouponSchedule.Create(settlement, maturity, frequency, basis);
        return CleanPrice(schedule, rate, yield, redemption, (int)frequency).Value;
    }

    /// <summary>Annual yield to maturity from a clean price per 100 (spreadsheet YIELD): closed form with one coupon left, otherwise bracketed Newton.</summary>
    public static double Yield(DateOnly settlement, DateOnly maturity, double rate, double price, double redemption, CouponFrequency frequency, DayCountBasis basis)
    {
        ValidateTerms(rate, redemption);
        FinancialException.ThrowIfNotPositive(price, "price");
        var schedule = CouponSchedule.Create(settlement, maturity, frequency, basis);
        int f = (int)frequency;
        double coupon = 100 * rate / f;
        double accruedFraction = schedule.DaysFromPeriodStart / schedule.DaysInPeriod;
        if (schedule.CouponsRemaining == 1)
        {
            double dirty = price + coupon * accruedFraction;
            return ((redemption + coupon) / dirty - 1) * f * schedule.DaysInPeriod / schedule.DaysToNextCoupon;
        }

        // Price falls strictly as the yield rises (every cash flow is positive), so one bracket holds the only root.
        double lowest = -f * 0.9999;
        double highest = 10;
        while (CleanPrice(schedule, rate, highest, redemption, f).Value > price && highest < 1e6)
        {
            highest *= 10;
        }

        if (CleanPrice(schedule, rate, lowest, redemption, f).Value < price || CleanPrice(schedule, rate, highest, redemption, f).Value > price)
        {
            FinancialException.Throw($"No yield reproduces a clean price of {price} for this bond; check that the price is per 100 of face value.");
        }

        return RootFinder.SolveBracketed(y =>
        {
            var (value, slope) = CleanPrice(schedule, rate, y, redemption, f);
            return (value - price, slope);
        }, lowest, highest, "yield to maturity");
    }

    /// <summary>
    /// Accrued interest of a security paying periodic interest (spreadsheet ACCRINT), from <paramref name="issue"/> to
    /// <paramref name="settlement"/>, or with <paramref name="fromIssue"/> false and settlement after the first interest
    /// date, from the last coupon date on or before settlement.
    /// </summary>
    public static double AccruedInterest(DateOnly issue, DateOnly firstInterest, DateOnly settlement, double rate, double par, CouponFrequency frequency, DayCountBasis basis, bool fromIssue = true)
    {
        FinancialException.ThrowIfNotPositive(rate, "rate");
        FinancialException.ThrowIfNotPositive(par, "par");
        DayCount.Validate(basis);
        if (!Enum.IsDefined(frequency))
        {
            FinancialException.Throw($"'frequency' must be annual (1), semiannual (2) or quarterly (4); got {(int)frequency}.");
        }

        if (issue >= settlement)
        {
            FinancialException.Throw($"'issue' ({issue:yyyy-MM-dd}) must be before 'settlement' ({settlement:yyyy-MM-dd}).");
        }

        if (firstInterest <= issue)
        {
            FinancialException.Throw($"'firstInterest' ({firstInterest:yyyy-MM-dd}) must be after 'issue' ({issue:yyyy-MM-dd}).");
        }

        int months = 12 / (int)frequency;

        // Quasi-coupon dates anchored on the first interest date, forwards and backwards, so that each accrual
        // fraction is days-in-portion over the days of the period it falls in.
        DateOnly CouponAt(int k) => CouponSchedule.CouponDate(firstInterest, -k * months);

        var start = issue;
        if (!fromIssue && settlement > firstInterest)
        {
            int k = 0;
            while (CouponAt(k + 1) <= settlement)
            {
                k++;
            }

            start = CouponAt(k);
        }

        int index = 0;
        while (CouponAt(index) > start)
        {
            index--;
        }

        double periods = 0;
        for (; CouponAt(index) < settlement; index++)
        {
            var periodStart = CouponAt(index);
            var periodEnd = CouponAt(index + 1);
            var from = periodStart > start ? periodStart : start;
            var to = periodEnd < settlement ? periodEnd : settlement;
            periods += DayCount.Days(from, to, basis) / CouponSchedule.PeriodDays(periodStart, periodEnd, frequency, basis);
        }

        return par * rate / (int)frequency * periods;
    }

    /// <summary>Macaulay duration in years (spreadsheet DURATION).</summary>
    public static double MacaulayDuration(DateOnly settlement, DateOnly maturity, double coupon, double yield, CouponFrequency frequency, DayCountBasis basis) =>
        Risk(settlement, maturity, coupon, yield, frequency, basis).Macaulay;

    /// <summary>Modified duration in years (spreadsheet MDURATION): Macaulay duration / (1 + yield/frequency).</summary>
    public static double ModifiedDuration(DateOnly settlement, DateOnly maturity, double coupon, double yield, CouponFrequency frequency, DayCountBasis basis) =>
        Risk(settlement, maturity, coupon, yield, frequency, basis).Modified;

    /// <summary>Convexity in years² on the same periodic compounding: (1/P)·d²P/dy², P the full (dirty) price.</summary>
    public static double Convexity(DateOnly settlement, DateOnly maturity, double coupon, double yield, CouponFrequency frequency, DayCountBasis basis) =>
        Risk(settlement, maturity, coupon, yield, frequency, basis).Convexity;

    /// <summary>Macaulay duration, modified duration and convexity together, for a bond redeemed at 100.</summary>
    public static (double Macaulay, double Modified, double Convexity) Risk(DateOnly settlement, DateOnly maturity, double coupon, double yield, CouponFrequency frequency, DayCountBasis basis)
    {
        ValidateTerms(coupon, 100);
        FinancialException.ThrowIfNegative(yield, "yield");
        var schedule = CouponSchedule.Create(settlement, maturity, frequency, basis);
        int f = (int)frequency;
        double cash = 100 * coupon / f;
        double growth = 1 + yield / f;
        double offset = schedule.DaysToNextCoupon / schedule.DaysInPeriod;
        double price = 0;
        double weighted = 0;
        double curvature = 0;
        for (int k = 1; k <= schedule.CouponsRemaining; k++)
        {
            double t = k - 1 + offset;
            double flow = k == schedule.CouponsRemaining ? cash + 100 : cash;
            double discounted = flow / Math.Pow(growth, t);
            price += discounted;
            weighted += t * discounted;
            curvature += t * (t + 1) * discounted;
        }

        double macaulay = weighted / price / f;
        return (macaulay, macaulay / growth, curvature / (price * growth * growth * f * f));
    }

    private static (double Value, double Slope) CleanPrice(CouponSchedule schedule, double rate, double yield, double redemption, int f)
    {
        double coupon = 100 * rate / f;
        double offset = schedule.DaysToNextCoupon / schedule.DaysInPeriod;
        double accrued = coupon * schedule.DaysFromPeriodStart / schedule.DaysInPeriod;
        int n = schedule.CouponsRemaining;
        if (n == 1)
        {
            double denominator = 1 + offset * yield / f;
            return ((redemption + coupon) / denominator - accrued, -(redemption + coupon) * offset / f / (denominator * denominator));
        }

        double growth = 1 + yield / f;
        double value = -accrued;
        double slope = 0;
        for (int k = 0; k < n; k++)
        {
            double flow = coupon + (k == n - 1 ? redemption : 0);
            double exponent = k + offset;
            double discounted = flow / Math.Pow(growth, exponent);
            value += discounted;
            slope -= exponent / f * discounted / growth;
        }

        return (value, slope);
    }

    private static void ValidateTerms(double rate, double redemption)
    {
        FinancialException.ThrowIfNegative(rate, "rate");
        FinancialException.ThrowIfNotPositive(redemption, "redemption");
    }
}
