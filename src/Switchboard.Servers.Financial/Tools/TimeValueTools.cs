using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ModelContextProtocol.Server;
using Switchboard.Servers.Financial.TimeValue;

namespace Switchboard.Servers.Financial.Tools;

/// <summary>Spreadsheet time-value-of-money functions. Sign convention: cash received positive, cash paid negative.</summary>
[McpServerToolType]
internal static class TimeValueTools
{
    internal const string Signs = " Sign convention as in a spreadsheet: money you receive is positive, money you pay out is negative (a loan you receive is a positive presentValue repaid by negative payments).";
    internal const string RateDoc = "Interest rate per period as a fraction: 0.005 for 0.5 % per month (an annual 6 % paid monthly is 0.06/12). Must be greater than -1.";
    internal const string TimingDoc = "When payments fall in each period: 'end' (spreadsheet type 0, the default) or 'beginning' (type 1, annuity due).";

    [McpServerTool(Name = "pv", Title = "Present value (PV)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Present value of a series of equal periodic payments plus a final lump sum, exactly as the spreadsheet PV(rate, nper, pmt, [fv], [type])." + Signs + " Computed in double precision.")]
    public static double PresentValue(
        [Description(RateDoc)] double rate,
        [Description("Number of payment periods (spreadsheet nper), e.g. 360 for 30 years of monthly payments."), Range(0, 1e6)] double periods,
        [Description("Payment made each period (spreadsheet pmt); negative when you pay.")] double payment,
        [Description("Cash balance wanted after the last payment (spreadsheet fv). Default 0.")] double futureValue = 0,
        [Description(TimingDoc)] PaymentTiming timing = PaymentTiming.End) =>
        ToolGuard.Run(() => TimeValueMath.PresentValue(rate, periods, payment, futureValue, timing));

    [McpServerTool(Name = "fv", Title = "Future value (FV)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Future value of an investment with equal periodic payments at a constant rate, exactly as the spreadsheet FV(rate, nper, pmt, [pv], [type])." + Signs + " Computed in double precision.")]
    public static double FutureValue(
        [Description(RateDoc)] double rate,
        [Description("Number of payment periods (spreadsheet nper)."), Range(0, 1e6)] double periods,
        [Description("Payment made each period (spreadsheet pmt); negative when you pay in.")] double payment,
        [Description("Amount at the start (spreadsheet pv); negative when you deposit it. Default 0.")] double presentValue = 0,
        [Description(TimingDoc)] PaymentTiming timing = PaymentTiming.End) =>
        ToolGuard.Run(() => TimeValueMath.FutureValue(rate, periods, payment, presentValue, timing));

    [McpServerTool(Name = "pmt", Title = "Payment (PMT)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Level payment per period that repays a loan or reaches a savings goal, exactly as the spreadsheet PMT(rate, nper, pv, [fv], [type])." + Signs + " A $10,000 loan at 8 %/12 over 10 months: pmt(rate=0.08/12, periods=10, presentValue=10000) = -1037.03. Computed in double precision; round to cents yourself or use amortization_schedule.")]
    public static double Payment(
        [Description(RateDoc)] double rate,
        [Description("Number of payment periods (spreadsheet nper); must not be 0."), Range(0, 1e6)] double periods,
        [Description("Present value: the loan amount received (positive) or the amount deposited now (negative).")] double presentValue,
        [Description("Balance wanted after the last payment. Default 0 (loan fully repaid).")] double futureValue = 0,
        [Description(TimingDoc)] PaymentTiming timing = PaymentTiming.End) =>
        ToolGuard.Run(() => TimeValueMath.Payment(rate, periods, presentValue, futureValue, timing));

    [McpServerTool(Name = "ipmt", Title = "Interest part of a payment (IPMT)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Interest portion of the level payment in one period, exactly as the spreadsheet IPMT(rate, per, nper, pv, [fv], [type])." + Signs + " Computed in double precision.")]
    public static double InterestPayment(
        [Description(RateDoc)] double rate,
        [Description("The period, from 1 to periods."), Range(1, 1e6)] double period,
        [Description("Number of payment periods (spreadsheet nper)."), Range(1, 1e6)] double periods,
        [Description("Present value (loan amount received is positive).")] double presentValue,
        [Description("Balance wanted after the last payment. Default 0.")] double futureValue = 0,
        [Description(TimingDoc)] PaymentTiming timing = PaymentTiming.End) =>
        ToolGuard.Run(() => TimeValueMath.InterestPayment(rate, period, periods, presentValue, futureValue, timing));

    [McpServerTool(Name = "ppmt", Title = "Principal part of a payment (PPMT)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Principal portion of the level payment in one period, exactly as the spreadsheet PPMT(rate, per, nper, pv, [fv], [type]); pmt = ipmt + ppmt." + Signs + " Computed in double precision.")]
    public static double PrincipalPayment(
        [Description(RateDoc)] double rate,
        [Description("The period, from 1 to periods."), Range(1, 1e6)] double period,
        [Description("Number of payment periods (spreadsheet nper)."), Range(1, 1e6)] double periods,
        [Description("Present value (loan amount received is positive).")] double presentValue,
        [Description("Balance wanted after the last payment. Default 0.")] double futureValue = 0,
        [Description(TimingDoc)] PaymentTiming timing = PaymentTiming.End) =>
        ToolGuard.Run(() => TimeValueMath.PrincipalPayment(rate, period, periods, presentValue, futureValue, timing));

    [McpServerTool(Name = "nper", Title = "Number of periods (NPER)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Number of periods needed for payments at a constant rate to bring presentValue to futureValue, exactly as the spreadsheet NPER(rate, pmt, pv, [fv], [type]). The result is fractional; it is an error when no number of periods can work (e.g. the payment does not even cover the interest)." + Signs)]
    public static double Periods(
        [Description(RateDoc)] double rate,
        [Description("Payment made each period; negative when you pay.")] double payment,
        [Description("Present value (loan amount received is positive).")] double presentValue,
        [Description("Balance wanted at the end. Default 0.")] double futureValue = 0,
        [Description(TimingDoc)] PaymentTiming timing = PaymentTiming.End) =>
        ToolGuard.Run(() => TimeValueMath.Periods(rate, payment, presentValue, futureValue, timing));

    [McpServerTool(Name = "rate", Title = "Rate per period (RATE)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Interest rate per period of an annuity, as the spreadsheet RATE(nper, pmt, pv, [fv], [type]) (multiply by periods per year for a nominal annual rate). Solved by bracketing plus Newton over every rate from -99.99 % to +999,900 %; there is no guess argument. If no rate or more than one rate fits, the tool returns an error instead of a number." + Signs)]
    public static double Rate(
        [Description("Number of payment periods (spreadsheet nper), greater than 0."), Range(0, 1e6)] double periods,
        [Description("Payment made each period; negative when you pay.")] double payment,
        [Description("Present value (loan amount received is positive).")] double presentValue,
        [Description("Balance wanted at the end. Default 0.")] double futureValue = 0,
        [Description(TimingDoc)] PaymentTiming timing = PaymentTiming.End) =>
        ToolGuard.Run(() => TimeValueMath.Rate(periods, payment, presentValue, futureValue, timing));

    [McpServerTool(Name = "effect", Title = "Effective annual rate (EFFECT)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Effective annual rate of a nominal annual rate compounded periodsPerYear times a year, as the spreadsheet EFFECT(nominal_rate, npery): (1 + nominal/n)^n - 1. EFFECT(0.0525, 4) = 0.0535427.")]
    public static double Effective(
        [Description("Nominal annual rate as a fraction (0.0525 for 5.25 %); greater than 0.")] double nominalRate,
        [Description("Compounding periods per year (12 monthly, 4 quarterly); truncated to an integer, at least 1."), Range(1, 1e6)] double periodsPerYear) =>
        ToolGuard.Run(() => InterestRates.Effective(nominalRate, periodsPerYear));

    [McpServerTool(Name = "nominal", Title = "Nominal annual rate (NOMINAL)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Nominal annual rate that compounds periodsPerYear times a year to the given effective annual rate, as the spreadsheet NOMINAL(effect_rate, npery).")]
    public static double Nominal(
        [Description("Effective annual rate as a fraction (0.053543 for 5.3543 %); greater than 0.")] double effectiveRate,
        [Description("Compounding periods per year; truncated to an integer, at least 1."), Range(1, 1e6)] double periodsPerYear) =>
        ToolGuard.Run(() => InterestRates.Nominal(effectiveRate, periodsPerYear));
}
