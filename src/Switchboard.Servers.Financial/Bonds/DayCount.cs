namespace Switchboard.Servers.Financial.Bonds;

/// <summary>Day counts and year fractions as the spreadsheet computes them (DAYS360, YEARFRAC and the COUP* functions).</summary>
public static class DayCount
{
    /// <summary>Days between two dates under a 30/360 convention (spreadsheet DAYS360 with the NASD February rules for US).</summary>
    public static int Days360(DateOnly start, DateOnly end, bool european)
    {
        int d1 = start.Day;
        int d2 = end.Day;
        if (european)
        {
            d1 = Math.Min(d1, 30);
            d2 = Math.Min(d2, 30);
        }
        else
        {
            // NASD: the last day of February counts as the 30th (both ends when both are), then 31 → 30 rules.
            bool startIsFebEnd = IsLastDayOfFebruary(start);
            if (startIsFebEnd && IsLastDayOfFebruary(end))
            {
                d2 = 30;
            }

            if (startIsFebEnd)
            {
                d1 = 30;
            }

            if (d2 == 31 && d1 >= 30)
            {
                d2 = 30;
            }

            if (d1 == 31)
            {
                d1 = 30;
            }
        }

        return (end.Year - start.Year) * 360 + (end.Month - start.Month) * 30 + (d2 - d1);
    }

    /// <summary>Days between two dates as the basis counts them in a numerator.</summary>
    public static int Days(DateOnly start, DateOnly end, DayCountBasis basis) => basis switch
    {
        DayCountBasis.Us30360 => Days360(start, end, european: false),
        DayCountBasis.European30360 => Days360(start, end, european: true),
        _ => end.DayNumber - start.DayNumber,
    };

    /// <summary>The fraction of a year between two dates (spreadsheet YEARFRAC); the order of the dates does not matter.</summary>
    public static double YearFraction(DateOnly start, DateOnly end, DayCountBasis basis)
    {
        Validate(basis);
        if (start > end)
        {
            (start, end) = (end, start);
        }

        return basis switch
        {
            DayCountBasis.Us30360 => Days360(start, end, european: false) / 360.0,
            DayCountBasis.European30360 => Days360(start, end, european: true) / 360.0,
            DayCountBasis.Actual360 => (end.DayNumber - start.DayNumber) / 360.0,
            DayCountBasis.Actual365 => (end.DayNumber - start.DayNumber) / 365.0,
            _ => ActualActualYearFraction(start, end),
        };
    }

    internal static void Validate(DayCountBasis basis)
    {
        if (!Enum.IsDefined(basis))
        {
            FinancialException.Throw($"'basis' must be one of us_30_360 (0), actual_actual (1), actual_360 (2), actual_365 (3) or european_30_360 (4); got {(int)basis}.");
        }
    }

    internal static bool IsLastDayOfFebruary(DateOnly date) =>
        date.Month == 2 && date.Day == DateTime.DaysInMonth(date.Year, 2);

    // The spreadsheet's actual/actual YEARFRAC: within one year the denominator is 365 or 366 depending on whether a
    // 29 February falls in the span; over longer spans it is the average length of the calendar years touched.
    private static double ActualActualYearFraction(DateOnly start, DateOnly end)
    {
        int days = end.DayNumber - start.DayNumber;
        bool withinAYear = start.Year == end.Year || end <= start.AddYears(1);
        if (withinAYear)
        {
            double yearLength;
            if (start.Year == end.Year)
            {
                yearLength = DateTime.IsLeapYear(start.Year) ? 366 : 365;
            }
            else
            {
                yearLength = SpansFebruary29(start, end) ? 366 : 365;
            }

            return days / yearLength;
        }

        int years = end.Year - start.Year + 1;
        double totalDays = new DateOnly(end.Year, 12, 31).DayNumber + 1 - new DateOnly(start.Year, 1, 1).DayNumber; // 1 January after 9999 is no DateOnly
        return days / (totalDays / years);
    }

    private static bool SpansFebruary29(DateOnly start, DateOnly end)
    {
        for (int year = start.Year; year <= end.Year; year++)
        {
            if (DateTime.IsLeapYear(year))
            {
                var leapDay = new DateOnly(year, 2, 29);
                if (leapDay >= start && leapDay <= end)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
