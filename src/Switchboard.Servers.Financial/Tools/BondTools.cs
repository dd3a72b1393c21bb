using System.ComponentModel;
using ModelContextProtocol.Server;
using Switchboard.Servers.Financial.Bonds;

namespace Switchboard.Servers.Financial.Tools;

/// <summary>A bond's price from its yield.</summary>
/// <param name="CleanPrice">Quoted price per 100 face value, without accrued interest (spreadsheet PRICE).</param>
/// <param name="AccruedInterest">Coupon accrued since the previous coupon date, per 100 face value.</param>
/// <param name="DirtyPrice">Price actually paid per 100 face value: clean price + accrued interest.</param>
/// <param name="PreviousCouponDate">Last coupon date on or before settlement (COUPPCD).</param>
/// <param name="NextCouponDate">First coupon date after settlement (COUPNCD).</param>
/// <param name="CouponsRemaining">Coupons payable between settlement and maturity (COUPNUM).</param>
public sealed record BondPriceResult(double CleanPrice, double AccruedInterest, double DirtyPrice, DateOnly PreviousCouponDate, DateOnly NextCouponDate, int CouponsRemaining);

/// <summary>Interest-rate sensitivities of a bond.</summary>
/// <param name="MacaulayDuration">Present-value-weighted average time to the cash flows, in years (spreadsheet DURATION).</param>
/// <param name="ModifiedDuration">Percentage price change per unit change in yield, in years (spreadsheet MDURATION).</param>
/// <param name="Convexity">(1/P)·d²P/dy² in years², on the bond's own compounding frequency.</param>
public sealed record BondRiskResult(double MacaulayDuration, double ModifiedDuration, double Convexity);

/// <summary>Coupon bond tools with spreadsheet day-count bases.</summary>
[McpServerToolType]
internal static class BondTools
{
    private const string SettlementDoc = "Settlement date (yyyy-MM-dd): when the buyer takes the bond; must be before maturity.";
    private const string MaturityDoc = "Maturity date (yyyy-MM-dd): when the bond is redeemed.";
    private const string FrequencyDoc = "Coupons per year: 'annual' (1), 'semiannual' (2, US Treasuries) or 'quarterly' (4). The spreadsheet numbers 1, 2, 4 are also accepted.";
    private const string BasisDoc = "Day-count basis: 'us_30_360' (spreadsheet basis 0, the default), 'actual_actual' (1), 'actual_360' (2), 'actual_365' (3) or 'european_30_360' (4). The numbers 0-4 are also accepted.";

    [McpServerTool(Name = "bond_price", Title = "Bond price from yield (PRICE)", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Price per 100 face value of a bond paying periodic coupons, from its annual yield, as the spreadsheet PRICE(settlement, maturity, rate, yld, redemption, frequency, [basis]); cleanPrice equals PRICE. Also returns accrued interest, the dirty price and the surrounding coupon dates. Double precision.")]
    public static BondPriceResult Price(
        [Description(SettlementDoc)] DateOnly settlement,
        [Description(MaturityDoc)] DateOnly maturity,
        [Description("Annual coupon rate as a fraction (0.0575 for 5.75 %); 0 or more.")] double rate,
        [Description("Annual yield to maturity as a fraction (0.065 for 6.5 %), compounded at the coupon frequency; 0 or more.")] double yield,
        [Description(FrequencyDoc)] CouponFrequency frequency,
        [Description("Redemption value per 100 face value; usually 100.")] double redemption = 100,
        [Description(BasisDoc)] DayCountBasis basis = DayCountBasis.Us30360) =>
        ToolGuard.Run(() =>
        {
            var schedule = CouponSchedule.Create(settlement, maturity, frequency, basis);
            double clean = BondMath.Price(settlement, maturity, rate, yield, redemption, frequency, basis);
            double accrued = 100 * rate / (int)frequency * schedule.DaysFromPeriodStart / schedule.DaysInPeriod;
            return new BondPriceResult(clean, accrued, clean + accrued, schedule.PreviousCouponDate, schedule.NextCouponDate, schedule.CouponsRemaining);
        });

    [McpServerTool(Name = "bond_yield", Title = "Bond yield to maturity (YIELD)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Annual yield to maturity of a bond paying periodic coupons, from its clean price per 100 face value, as the spreadsheet YIELD(settlement, maturity, rate, pr, redemption, frequency, [basis]). Closed form with one coupon left, otherwise bracketed Newton (the price falls strictly as yield rises, so the answer is unique); a price no yield can produce is an error. Double precision.")]
    public static double Yield(
        [Description(SettlementDoc)] DateOnly settlement,
        [Description(MaturityDoc)] DateOnly maturity,
        [Description("Annual coupon rate as a fraction; 0 or more.")] double rate,
        [Description("Clean price per 100 face value (e.g. 95.04287); greater than 0.")] double price,
        [Description(FrequencyDoc)] CouponFrequency frequency,
        [Description("Redemption value per 100 face value; usually 100.")] double redemption = 100,
        [Description(BasisDoc)] DayCountBasis basis = DayCountBasis.Us30360) =>
        ToolGuard.Run(() => BondMath.Yield(settlement, maturity, rate, price, redemption, frequency, basis));

    [McpServerTool(Name = "accrued_interest", Title = "Accrued interest (ACCRINT)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Accrued interest of a security paying periodic interest, as the spreadsheet ACCRINT(issue, first_interest, settlement, rate, par, frequency, [basis], [calc_method]), in the same currency units as par. Each quasi-coupon period contributes par × rate/frequency × (days accrued in it / days in it) under the basis. Double precision.")]
    public static double AccruedInterest(
        [Description("Issue date (yyyy-MM-dd).")] DateOnly issue,
        [Description("First interest (coupon) date (yyyy-MM-dd); after issue.")] DateOnly firstInterest,
        [Description("Settlement date (yyyy-MM-dd); after issue.")] DateOnly settlement,
        [Description("Annual coupon rate as a fraction; greater than 0.")] double rate,
        [Description(FrequencyDoc)] CouponFrequency frequency,
        [Description("Par value in currency units. Default 1000, as in the spreadsheet.")] double par = 1000,
        [Description(BasisDoc)] DayCountBasis basis = DayCountBasis.Us30360,
        [Description("Spreadsheet calc_method: true (default) accrues from issue; false, when settlement is after firstInterest, accrues only from the last coupon date.")] bool fromIssue = true) =>
        ToolGuard.Run(() => BondMath.AccruedInterest(issue, firstInterest, settlement, rate, par, frequency, basis, fromIssue));

    [McpServerTool(Name = "bond_duration", Title = "Bond duration and convexity (DURATION, MDURATION)", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Macaulay duration (spreadsheet DURATION), modified duration (spreadsheet MDURATION = Macaulay / (1 + yield/frequency)), both in years, and convexity in years², for a bond redeemed at 100. Estimate a price change as -modifiedDuration × Δy + 0.5 × convexity × Δy². Double precision.")]
    public static BondRiskResult Duration(
        [Description(SettlementDoc)] DateOnly settlement,
        [Description(MaturityDoc)] DateOnly maturity,
        [Description("Annual coupon rate as a fraction; 0 or more.")] double coupon,
        [Description("Annual yield as a fraction; 0 or more.")] double yield,
        [Description(FrequencyDoc)] CouponFrequency frequency,
        [Description(BasisDoc)] DayCountBasis basis = DayCountBasis.Us30360) =>
        ToolGuard.Run(() =>
        {
            var (macaulay, modified, convexity) = BondMath.Risk(settlement, maturity, coupon, yield, frequency, basis);
            return new BondRiskResult(macaulay, modified, convexity);
        });

    [McpServerTool(Name = "year_fraction", Title = "Year fraction (YEARFRAC)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Fraction of a year between two dates under a day-count basis, as the spreadsheet YEARFRAC(start_date, end_date, [basis]); the order of the dates does not matter. Useful to check the day counts the bond tools use.")]
    public static double YearFraction(
        [Description("Start date (yyyy-MM-dd).")] DateOnly start,
        [Description("End date (yyyy-MM-dd).")] DateOnly end,
        [Description(BasisDoc)] DayCountBasis basis = DayCountBasis.Us30360) =>
        ToolGuard.Run(() => DayCount.YearFraction(start, end, basis));
}
