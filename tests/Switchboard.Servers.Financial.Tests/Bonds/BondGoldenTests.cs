using Switchboard.Servers.Financial.Bonds;

namespace Switchboard.Servers.Financial.Tests.Bonds;

// Golden values from the Excel documentation pages (Microsoft Support) for PRICE, YIELD, ACCRINT, DURATION,
// MDURATION, YEARFRAC, DAYS360 and the COUP* functions, as printed; leap-year cases from the conventions' definitions.
public sealed class BondGoldenTests
{
    private static DateOnly D(string iso) => DateOnly.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Price_ExcelDocExample_Is94Point63436() => // Excel doc PRICE
        Assert.Equal(94.63436, BondMath.Price(D("2008-02-15"), D("2017-11-15"), 0.0575, 0.065, 100, CouponFrequency.Semiannual, DayCountBasis.Us30360), 5e-6);

    [Fact]
    public void Yield_ExcelDocExample_IsSixPointFivePercent() => // Excel doc YIELD: 0.065
        Assert.Equal(0.065, BondMath.Yield(D("2008-02-15"), D("2016-11-15"), 0.0575, 95.04287, 100, CouponFrequency.Semiannual, DayCountBasis.Us30360), 5e-7);

    [Theory]
    [InlineData("2008-03-01", true, 16.666667)] // Excel doc ACCRINT: first row
    [InlineData("2008-03-05", false, 15.555556)] // Excel doc ACCRINT: issue 5 March 2008, calc_method FALSE
    [InlineData("2008-04-05", true, 7.2222222)] // Excel doc ACCRINT: issue 5 April 2008
    public void AccruedInterest_ExcelDocExamples_MatchToPrintedPrecision(string issue, bool fromIssue, double expected) =>
        Assert.Equal(expected, BondMath.AccruedInterest(D(issue), D("2008-08-31"), D("2008-05-01"), 0.10, 1000, CouponFrequency.Semiannual, DayCountBasis.Us30360, fromIssue), 5e-7);

    [Fact]
    public void Duration_ExcelDocExample_Is10Point9191453() => // Excel doc DURATION
        Assert.Equal(10.9191453, BondMath.MacaulayDuration(D("2018-07-01"), D("2048-01-01"), 0.08, 0.09, CouponFrequency.Semiannual, DayCountBasis.ActualActual), 5e-8);

    [Fact]
    public void MDuration_ExcelDocExample_Is5Point73567() => // Excel doc MDURATION
        Assert.Equal(5.73567, BondMath.ModifiedDuration(D("2008-01-01"), D("2016-01-01"), 0.08, 0.09, CouponFrequency.Semiannual, DayCountBasis.ActualActual), 5e-6);

    [Theory]
    [InlineData(DayCountBasis.Us30360, 0.58055556)] // Excel doc YEARFRAC: basis 0
    [InlineData(DayCountBasis.ActualActual, 0.57650273)] // Excel doc YEARFRAC: basis 1
    [InlineData(DayCountBasis.Actual365, 0.57808219)] // Excel doc YEARFRAC: basis 3
    [InlineData(DayCountBasis.Actual360, 0.58611111)] // Definition: 211 actual days / 360
    [InlineData(DayCountBasis.European30360, 0.58055556)] // Definition: 30E/360 gives 209 days / 360
    public void YearFraction_ExcelDocExample_MatchesEachBasis(DayCountBasis basis, double expected) =>
        Assert.Equal(expected, DayCount.YearFraction(D("2012-01-01"), D("2012-07-30"), basis), 5e-9);

    [Theory]
    [InlineData("2011-01-30", "2011-02-01", 1)] // Excel doc DAYS360
    [InlineData("2011-01-01", "2011-12-31", 360)] // Excel doc DAYS360
    [InlineData("2011-01-01", "2011-02-01", 30)] // Excel doc DAYS360
    [InlineData("2024-02-29", "2024-03-31", 30)] // NASD rule: leap-year end of February counts as day 30, then 31 → 30
    [InlineData("2023-02-28", "2024-02-29", 360)] // NASD rule: both ends are the last day of February
    public void Days360Us_ExcelDocAndNasdRules(string start, string end, int expected) =>
        Assert.Equal(expected, DayCount.Days360(D(start), D(end), european: false));

    [Theory]
    [InlineData("2024-02-29", "2024-03-31", 31)] // 30E/360: 29 February stays 29, 31 → 30
    [InlineData("2011-01-31", "2011-03-31", 60)] // 30E/360: both 31sts become 30
    public void Days360European_Rules(string start, string end, int expected) =>
        Assert.Equal(expected, DayCount.Days360(D(start), D(end), european: true));

    [Theory]
    [InlineData("2024-02-28", "2024-03-01", 2.0 / 366)] // Actual/actual in a leap year
    [InlineData("2023-02-28", "2023-03-01", 1.0 / 365)] // Actual/actual in a common year
    [InlineData("2023-12-01", "2024-03-01", 91.0 / 366)] // Actual/actual across years, 29 February 2024 inside
    [InlineData("2023-01-01", "2023-12-31", 364.0 / 365)] // Actual/actual within a common year
    public void YearFraction_ActualActual_LeapYears(string start, string end, double expected) =>
        Assert.Equal(expected, DayCount.YearFraction(D(start), D(end), DayCountBasis.ActualActual), 1e-12);

    [Fact]
    public void CouponSchedule_ExcelDocExamples_MatchCoupFunctions()
    {
        // Excel doc COUPDAYBS = 71, COUPDAYS = 181, COUPDAYSNC = 110, COUPNCD = 15 May 2011, COUPPCD = 15 Nov 2010
        // (settlement 25 Jan 2011, maturity 15 Nov 2011, semiannual, actual/actual).
        var schedule = CouponSchedule.Create(D("2011-01-25"), D("2011-11-15"), CouponFrequency.Semiannual, DayCountBasis.ActualActual);
        Assert.Equal(71, schedule.DaysFromPeriodStart);
        Assert.Equal(181, schedule.DaysInPeriod);
        Assert.Equal(110, schedule.DaysToNextCoupon);
        Assert.Equal(D("2011-05-15"), schedule.NextCouponDate);
        Assert.Equal(D("2010-11-15"), schedule.PreviousCouponDate);
    }

    [Fact]
    public void CouponSchedule_ExcelDocCoupNum_IsFour() => // Excel doc COUPNUM: 25 Jan 2007 to 15 Nov 2008, semiannual = 4
        Assert.Equal(4, CouponSchedule.Create(D("2007-01-25"), D("2008-11-15"), CouponFrequency.Semiannual, DayCountBasis.ActualActual).CouponsRemaining);

    [Fact]
    public void CouponSchedule_EndOfMonthMaturity_KeepsMonthEnds() => // End-of-month rule: 30 Nov maturity pays 31 May
        Assert.Equal(D("2024-05-31"), CouponSchedule.Create(D("2024-03-01"), D("2024-11-30"), CouponFrequency.Semiannual, DayCountBasis.ActualActual).NextCouponDate);

    [Theory]
    [InlineData(DayCountBasis.Us30360)]
    [InlineData(DayCountBasis.ActualActual)]
    [InlineData(DayCountBasis.European30360)]
    public void ZeroCouponBond_DurationEqualsMaturity_ConvexityIsTTimesTPlusOneOverOnePlusYSquared(DayCountBasis basis)
    {
        // Fabozzi, Bond Markets, Analysis and Strategies: a zero's Macaulay duration is its maturity; with annual
        // compounding its convexity is T(T + 1)/(1 + y)².
        var (macaulay, modified, convexity) = BondMath.Risk(D("2020-01-01"), D("2030-01-01"), 0, 0.05, CouponFrequency.Annual, basis);
        Assert.Equal(10, macaulay, 1e-9);
        Assert.Equal(10 / 1.05, modified, 1e-9);
        Assert.Equal(10 * 11 / (1.05 * 1.05), convexity, 1e-9);
    }

    [Fact]
    public void Price_ParBondOnCouponDate_IsPar() => // Textbook: a bond whose coupon equals its yield prices at par on a coupon date
        Assert.Equal(100, BondMath.Price(D("2020-01-15"), D("2030-01-15"), 0.05, 0.05, 100, CouponFrequency.Semiannual, DayCountBasis.Us30360), 1e-9);

    [Fact]
    public void Yield_OneCouponLeft_UsesClosedForm()
    {
        // Excel doc YIELD formula for N <= 1; checked by pricing back with the N = 1 PRICE formula.
        double yield = BondMath.Yield(D("2024-03-01"), D("2024-06-15"), 0.06, 99.5, 100, CouponFrequency.Semiannual, DayCountBasis.Us30360);
        Assert.Equal(99.5, BondMath.Price(D("2024-03-01"), D("2024-06-15"), 0.06, yield, 100, CouponFrequency.Semiannual, DayCountBasis.Us30360), 1e-9);
    }
}
