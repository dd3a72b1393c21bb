namespace Switchboard.Servers.Financial.TimeValue;

/// <summary>One period of a loan amortization schedule, all amounts positive and rounded to the currency's minor unit.</summary>
/// <param name="Period">1-based period number.</param>
/// <param name="Payment">Scheduled payment made this period (interest + principal), excluding the extra payment.</param>
/// <param name="Interest">Interest charged on the opening balance.</param>
/// <param name="Principal">Scheduled principal repaid.</param>
/// <param name="ExtraPayment">Additional principal repaid this period.</param>
/// <param name="Balance">Balance after this period's payments.</param>
public sealed record AmortizationRow(int Period, decimal Payment, decimal Interest, decimal Principal, decimal ExtraPayment, decimal Balance);

/// <summary>A full schedule with its totals.</summary>
public sealed record AmortizationSchedule(
    decimal ScheduledPayment,
    int PaymentCount,
    decimal TotalInterest,
    decimal TotalPaid,
    IReadOnlyList<AmortizationRow> Rows);

/// <summary>
/// Level-payment loan schedules in <see cref="decimal"/>: the payment is the spreadsheet PMT rounded to the minor
/// unit, each period's interest is rounded to the minor unit, and the final payment absorbs the rounding so the
/// balance ends at exactly zero.
/// </summary>
public static class Amortization
{
    /// <summary>Longest schedule computed: 100 years of monthly payments.</summary>
    public const int MaxPeriods = 1200;

    /// <summary>Builds the schedule of a loan of <paramref name="principal"/> at <paramref name="ratePerPeriod"/> over <paramref name="periods"/> end-of-period payments.</summary>
    public static AmortizationSchedule Build(
        decimal principal,
        decimal ratePerPeriod,
        int periods,
        decimal extraPaymentPerPeriod = 0,
        IReadOnlyDictionary<int, decimal>? oneOffExtraPayments = null,
        int decimals = 2)
    {
        if (principal <= 0)
        {
            FinancialException.Throw($"'principal' must be greater than zero (the amount borrowed, as a positive number); got {principal}.");
        }

        if (ratePerPeriod < 0 || ratePerPeriod >= 1)
        {
            FinancialException.Throw($"'rate' is the interest rate per period as a fraction (0.005 for 0.5 % a month) and must be in [0, 1); got {ratePerPeriod}.");
        }

        if (periods < 1 || periods > MaxPeriods)
        {
            FinancialException.Throw($"'periods' must be between 1 and {MaxPeriods}; got {periods}.");
        }

        if (extraPaymentPerPeriod < 0)
        {
            FinancialException.Throw($"'extraPayment' must be zero or greater; got {extraPaymentPerPeriod}.");
        }

        if (decimals is < 0 or > 4)
        {
            FinancialException.Throw($"'decimals' must be between 0 and 4; got {decimals}.");
        }

        foreach (var (period, amount) in oneOffExtraPayments ?? new Dictionary<int, decimal>())
        {
            if (period < 1 || period > periods || amount < 0)
            {
                FinancialException.Throw($"Each one-off extra payment needs a period between 1 and {periods} and an amount of zero or more; got period {period}, amount {amount}.");
            }
        }

        decimal payment = Round(-(decimal)TimeValueMath.Payment((double)ratePerPeriod, periods, (double)principal), decimals);
        var rows = new List<AmortizationRow>();
        decimal balance = principal;
        decimal totalInterest = 0;
        decimal totalPaid = 0;
        for (int period = 1; period <= periods && balance > 0; period++)
        {
            decimal interest = Round(balance * ratePerPeriod, decimals);
            decimal scheduledPrincipal = Math.Min(payment - interest, balance);
            if (period == periods)
            {
                scheduledPrincipal = balance;
            }

            decimal extra = extraPaymentPerPeriod + (oneOffExtraPayments?.GetValueOrDefault(period) ?? 0);
            extra = Math.Min(extra, balance - scheduledPrincipal);
            balance -= scheduledPrincipal + extra;
            rows.Add(new AmortizationRow(period, interest + scheduledPrincipal, interest, scheduledPrincipal, extra, balance));
            totalInterest += interest;
            totalPaid += interest + scheduledPrincipal + extra;
        }

        return new AmortizationSchedule(payment, rows.Count, totalInterest, totalPaid, rows);
    }

    private static decimal Round(decimal value, int decimals) => Math.Round(value, decimals, MidpointRounding.AwayFromZero);
}
