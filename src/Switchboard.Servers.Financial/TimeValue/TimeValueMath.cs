using Switchboard.Servers.Financial.Solvers;

namespace Switchboard.Servers.Financial.TimeValue;

/// <summary>
/// The spreadsheet time-value-of-money functions (PV, FV, PMT, IPMT, PPMT, NPER, RATE) with their sign convention:
/// money received is positive, money paid out negative, and every function solves
/// <c>pv·(1+r)^n + pmt·(1+r·type)·((1+r)^n − 1)/r + fv = 0</c> (or <c>pv + pmt·n + fv = 0</c> when r = 0).
/// </summary>
/// <remarks>In <see cref="double"/>: the closed forms use fractional powers and RATE is iterative.</remarks>
public static class TimeValueMath
{
    /// <summary>Present value (spreadsheet PV).</summary>
    public static double PresentValue(double rate, double periods, double payment, double futureValue = 0, PaymentTiming timing = PaymentTiming.End)
    {
        Validate(rate, periods, payment, futureValue, timing);
        if (rate == 0)
        {
            return -(futureValue + payment * periods);
        }

        double growth = Math.Pow(1 + rate, periods);
        return Finite(-(futureValue + payment * (1 + rate * Type(timing)) * (growth - 1) / rate) / growth, "present value");
    }

    /// <summary>Future value (spreadsheet FV).</summary>
    public static double FutureValue(double rate, double periods, double payment, double presentValue = 0, PaymentTiming timing = PaymentTiming.End)
    {
        Validate(rate, periods, payment, presentValue, timing);
        if (rate == 0)
        {
            return -(presentValue + payment * periods);
        }

        double growth = Math.Pow(1 + rate, periods);
        return Finite(-(presentValue * growth + payment * (1 + rate * Type(timing)) * (growth - 1) / rate), "future value");
    }

    /// <summary>Payment per period (spreadsheet PMT).</summary>
    public static double Payment(double rate, double periods, double presentValue, double futureValue = 0, PaymentTiming timing = PaymentTiming.End)
    {
        Validate(rate, periods, presentValue, futureValue, timing);
        if (periods == 0)
        {
            FinancialException.Throw("'periods' must not be zero: a payment cannot be spread over zero periods.");
        }

        if (rate == 0)
        {
            return -(presentValue + futureValue) / periods;
        }

        double growth = Math.Pow(1 + rate, periods);
        return Finite(-(presentValue * growth + futureValue) * rate / ((1 + rate * Type(timing)) * (growth - 1)), "payment");
    }

    /// <summary>Interest part of the payment in period <paramref name="period"/> (spreadsheet IPMT).</summary>
    public static double InterestPayment(double rate, double period, double periods, double presentValue, double futureValue = 0, PaymentTiming timing = PaymentTiming.End)
    {
        ValidatePeriod(period, periods);
        double payment = Payment(rate, periods, presentValue, futureValue, timing);
        double interest;
        if (period == 1)
        {
            interest = timing == PaymentTiming.Beginning ? 0 : -presentValue;
        }
        else if (timing == PaymentTiming.Beginning)
        {
            interest = FutureValue(rate, period - 2, payment, presentValue, PaymentTiming.Beginning) - payment;
        }
        else
        {
            interest = FutureValue(rate, period - 1, payment, presentValue, PaymentTiming.End);
        }

        return interest * rate;
    }

    /// <summary>Principal part of the payment in period <paramref name="period"/> (spreadsheet PPMT).</summary>
    public static double PrincipalPayment(double rate, double period, double periods, double presentValue, double futureValue = 0, PaymentTiming timing = PaymentTiming.End) =>
        Payment(rate, periods, presentValue, futureValue, timing) - InterestPayment(rate, period, periods, presentValue, futureValue, timing);

    /// <summary>Number of periods (spreadsheet NPER).</summary>
    public static double Periods(double rate, double payment, double presentValue, double futureValue = 0, PaymentTiming timing = PaymentTiming.End)
    {
        Validate(rate, 0, payment, presentValue, timing);
        FinancialException.ThrowIfNotFinite(futureValue, "futureValue");
        if (rate == 0)
        {
            if (payment == 0)
            {
                FinancialException.Throw("With a zero rate and a zero payment the balance never changes, so no number of periods solves the equation; give a non-zero payment or rate.");
            }

            return -(presentValue + futureValue) / payment;
        }

        double adjustedPayment = payment * (1 + rate * Type(timing));
        double ratio = (adjustedPayment - futureValue * rate) / (adjustedPayment + presentValue * rate);
        if (!(ratio > 0) || !double.IsFinite(ratio))
        {
            FinancialException.Throw("No number of periods solves the equation: with these values the balance never reaches the future value (check the signs: money paid out is negative, money received positive).");
        }

        return Math.Log(ratio) / Math.Log(1 + rate);
    }

    /// <summary>Interest rate per period (spreadsheet RATE), found by bracketing and Newton steps over every rate above −100 %.</summary>
    /// <exception cref="FinancialException">No rate or more than one rate solves the equation.</exception>
    public static double Rate(double periods, double payment, double presentValue, double futureValue = 0, PaymentTiming timing = PaymentTiming.End)
    {
        Validate(0, periods, payment, presentValue, timing);
        FinancialException.ThrowIfNotFinite(futureValue, "futureValue");
        if (periods <= 0)
        {
            FinancialException.Throw($"'periods' must be greater than zero; got {periods}.");
        }

        double type = Type(timing);
        (double, double) Equation(double r)
        {
            // Scaled by 1/(1+r)^n when (1+r)^n would overflow; a positive scale keeps the roots and Newton's ratio.
            double logGrowth = periods * double.LogP1(r);
            if (Math.Abs(r) < 1e-9)
            {
                double value0 = presentValue + payment * periods + futureValue;
                double slope0 = presentValue * periods + payment * (type * periods + periods * (periods - 1) / 2);
                return (value0 + slope0 * r, slope0);
            }

            if (logGrowth > 700)
            {
                double inverse = Math.Exp(-logGrowth);
                double value = presentValue + payment * (1 + r * type) * (1 - inverse) / r + futureValue * inverse;
                double slope = payment * (type * (1 - inverse) / r + (1 + r * type) * (periods * inverse / (1 + r) * r - (1 - inverse)) / (r * r))
                    - futureValue * periods * inverse / (1 + r);
                return (value, slope);
            }

            double growth = Math.Exp(logGrowth);
            double annuity = (growth - 1) / r;
            double dGrowth = periods * growth / (1 + r);
            double dAnnuity = (dGrowth * r - (growth - 1)) / (r * r);
            return (
                presentValue * growth + payment * (1 + r * type) * annuity + futureValue,
                presentValue * dGrowth + payment * (type * annuity + (1 + r * type) * dAnnuity));
        }

        return RateGrid.SolveUnique(
            Equation,
            "rate",
            "with these cash flows the balance cannot be brought to the future value. Check the signs: a loan received is a positive present value repaid by negative payments.",
            "Cash flows that change sign more than once admit several rates; restate the problem with one sign change.");
    }

    private static int Type(PaymentTiming timing) => timing == PaymentTiming.Beginning ? 1 : 0;

    private static void Validate(double rate, double periods, double amount1, double amount2, PaymentTiming timing)
    {
        FinancialException.ThrowIfNotFinite(rate, "rate");
        FinancialException.ThrowIfNotFinite(periods, "periods");
        FinancialException.ThrowIfNotFinite(amount1, "amount");
        FinancialException.ThrowIfNotFinite(amount2, "amount");
        if (rate <= -1)
        {
            FinancialException.Throw($"'rate' must be greater than -1 (−100 % per period); got {rate}.");
        }

        if (!Enum.IsDefined(timing))
        {
            FinancialException.Throw("'timing' must be 'end' (0) or 'beginning' (1).");
        }
    }

    private static void ValidatePeriod(double period, double periods)
    {
        FinancialException.ThrowIfNotFinite(period, "period");
        if (period < 1 || period > periods)
        {
            FinancialException.Throw($"'period' must be between 1 and 'periods' ({periods}); got {period}.");
        }
    }

    private static double Finite(double value, string what)
    {
        if (!double.IsFinite(value))
        {
            FinancialException.Throw($"The {what} overflows a double: the rate and number of periods are too large together.");
        }

        return value;
    }
}
