namespace Switchboard.Servers.Financial.Bonds;

/// <summary>
/// Where a settlement date falls in a bond's coupon schedule, with the day counts the spreadsheet's COUPPCD,
/// COUPNCD, COUPNUM, COUPDAYS, COUPDAYBS and COUPDAYSNC return. Coupon dates step back from maturity by
/// 12/frequency months; when maturity is a month's last day every coupon date is.
/// </summary>
public sealed record CouponSchedule(
    DateOnly PreviousCouponDate,
    DateOnly NextCouponDate,
    int CouponsRemaining,
    double DaysInPeriod,
    double DaysFromPeriodStart,
    double DaysToNextCoupon)
{
    /// <summary>Builds the schedule position of <paramref name="settlement"/> for a bond maturing on <paramref name="maturity"/>.</summary>
    public static CouponSchedule Create(DateOnly settlement, DateOnly maturity, CouponFrequency frequency, DayCountBasis basis)
    {
        ValidateDates(settlement, maturity, frequency, basis);
        int months = 12 / (int)frequency;
        int k = 0;
        while (CouponDate(maturity, (k + 1) * months) > settlement)
        {
            k++;
        }

        var next = CouponDate(maturity, k * months);
        var previous = CouponDate(maturity, (k + 1) * months);
        double daysInPeriod = PeriodDays(previous, next, frequency, basis);
        double fromStart = DayCount.Days(previous, settlement, basis);
        double toNext = basis is DayCountBasis.Us30360 or DayCountBasis.European30360
            ? daysInPeriod - fromStart
            : next.DayNumber - settlement.DayNumber;
        return new CouponSchedule(previous, next, k + 1, daysInPeriod, fromStart, toNext);
    }

    /// <summary>The coupon date <paramref name="monthsBack"/> months before <paramref name="anchor"/>, keeping an end-of-month anchor at month ends.</summary>
    internal static DateOnly CouponDate(DateOnly anchor, int monthsBack)
    {
        int month = (anchor.Year * 12) + anchor.Month - 1 - monthsBack; // months since 1 BC, so the range check needs no DateOnly
        if (month < DateOnly.MinValue.Year * 12 || month > (DateOnly.MaxValue.Year * 12) + 11)
        {
            FinancialException.Throw($"The coupon schedule runs outside the dates this calculation supports (0001-01-01 to 9999-12-31): a coupon date {Math.Abs(monthsBack)} months {(monthsBack > 0 ? "before" : "after")} {anchor:yyyy-MM-dd} is needed. Use dates at least one coupon period inside that range.");
        }

        var date = anchor.AddMonths(-monthsBack);
        return anchor.Day == DateTime.DaysInMonth(anchor.Year, anchor.Month)
            ? new DateOnly(date.Year, date.Month, DateTime.DaysInMonth(date.Year, date.Month))
            : date;
    }

    /// <summary>Days in the coupon period from <paramref name="start"/> to <paramref name="end"/> as the basis counts a period's length (COUPDAYS).</summary>
    internal static double PeriodDays(DateOnly start, DateOnly end, CouponFrequency frequency, DayCountBasis basis) => basis switch
    {
        DayCountBasis.ActualActual => end.DayNumber - start.DayNumber,
        DayCountBasis.Actual365 => 365.0 / (int)frequency,
        _ => 360.0 / (int)frequency,
    };

    internal static void ValidateDates(DateOnly settlement, DateOnly maturity, CouponFrequency frequency, DayCountBasis basis)
    {
        DayCount.Validate(basis);
        if (!Enum.IsDefined(frequency))
        {
            FinancialException.Throw($"'frequency' must be annual (1), semiannual (2) or quarterly (4); got {(int)frequency}.");
        }

        if (settlement >= maturity)
        {
            FinancialException.Throw($"'settlement' ({settlement:yyyy-MM-dd}) must be before 'maturity' ({maturity:yyyy-MM-dd}).");
        }
    }
}
