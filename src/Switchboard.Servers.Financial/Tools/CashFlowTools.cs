using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ModelContextProtocol.Server;
using Switchboard.Servers.Financial.CashFlows;
using Switchboard.Servers.Financial.TimeValue;

namespace Switchboard.Servers.Financial.Tools;

/// <summary>A one-off extra principal payment in an amortization schedule.</summary>
/// <param name="Period">1-based period in which it is paid.</param>
/// <param name="Amount">Amount, positive.</param>
public sealed record ExtraPayment(
    [property: Description("1-based period in which the extra payment is made.")] int Period,
    [property: Description("Extra principal paid, positive, in currency units.")] decimal Amount);

/// <summary>Discounted cash-flow tools (NPV, IRR, XNPV, XIRR, MIRR) and loan schedules.</summary>
[McpServerToolType]
internal static class CashFlowTools
{
    private const string ValuesDoc = "Cash flows in order, one per period, as in a spreadsheet range: negative for money paid out (investment), positive for money received. At most 10,000.";
    private const string SolverNote = " Solved by scanning every rate from -99.99 % to +999,900 % for sign changes and refining each with bracketed Newton steps; there is no guess argument. When the net present value never crosses zero, or crosses it more than once (several IRRs, possible when cash flows change sign more than once), the tool returns an error listing what it found instead of picking a number.";

    [McpServerTool(Name = "npv", Title = "Net present value (NPV)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Net present value of periodic cash flows, exactly as the spreadsheet NPV(rate, value1, …): the FIRST value is discounted one full period (values[i] / (1+rate)^(i+1)). To value an investment made today, leave it out of values and add it to the result, as the spreadsheet documentation does. Double precision.")]
    public static double NetPresentValue(
        [Description("Discount rate per period as a fraction (0.1 for 10 %); greater than -1.")] double rate,
        [Description(ValuesDoc), MinLength(1)] double[] values) =>
        ToolGuard.Run(() => CashFlowMath.NetPresentValue(rate, values));

    [McpServerTool(Name = "irr", Title = "Internal rate of return (IRR)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Internal rate of return per period of periodic cash flows, as the spreadsheet IRR(values): the rate at which values[0] + values[1]/(1+r) + values[2]/(1+r)^2 + … = 0, the first value at time 0. Needs at least one negative and one positive value." + SolverNote)]
    public static double InternalRateOfReturn(
        [Description(ValuesDoc), MinLength(2)] double[] values) =>
        ToolGuard.Run(() => CashFlowMath.InternalRateOfReturn(values));

    [McpServerTool(Name = "xnpv", Title = "Net present value of dated cash flows (XNPV)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Net present value of cash flows on arbitrary dates, as the spreadsheet XNPV(rate, values, dates): sum of values[i] / (1+rate)^((dates[i] - dates[0]) / 365). The first date is the valuation date and must be the earliest. Double precision.")]
    public static double DatedNetPresentValue(
        [Description("Annual discount rate as a fraction (0.09 for 9 %); greater than -1.")] double rate,
        [Description(ValuesDoc), MinLength(1)] double[] values,
        [Description("One ISO date (yyyy-MM-dd) per value; none may precede the first."), MinLength(1)] DateOnly[] dates) =>
        ToolGuard.Run(() => CashFlowMath.NetPresentValue(rate, values, dates));

    [McpServerTool(Name = "xirr", Title = "Internal rate of return of dated cash flows (XIRR)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Annual internal rate of return of cash flows on arbitrary dates, as the spreadsheet XIRR(values, dates): the rate at which XNPV is zero (actual days / 365). Needs at least one negative and one positive value; no date may precede the first." + SolverNote)]
    public static double DatedInternalRateOfReturn(
        [Description(ValuesDoc), MinLength(2)] double[] values,
        [Description("One ISO date (yyyy-MM-dd) per value; none may precede the first."), MinLength(2)] DateOnly[] dates) =>
        ToolGuard.Run(() => CashFlowMath.InternalRateOfReturn(values, dates));

    [McpServerTool(Name = "mirr", Title = "Modified internal rate of return (MIRR)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Modified internal rate of return per period, as the spreadsheet MIRR(values, finance_rate, reinvest_rate): negative flows are discounted to time 0 at financeRate, positive flows compounded to the end at reinvestRate. Closed form, always unique; the usual answer when IRR reports several roots. Needs at least one negative and one positive value.")]
    public static double ModifiedInternalRateOfReturn(
        [Description(ValuesDoc), MinLength(2)] double[] values,
        [Description("Rate paid on money borrowed for the negative flows, per period, as a fraction.")] double financeRate,
        [Description("Rate earned on reinvested positive flows, per period, as a fraction.")] double reinvestRate) =>
        ToolGuard.Run(() => CashFlowMath.ModifiedInternalRateOfReturn(values, financeRate, reinvestRate));

    [McpServerTool(Name = "amortization_schedule", Title = "Loan amortization schedule", ReadOnly = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Period-by-period schedule of a level-payment loan with end-of-period payments, optionally with a recurring extra principal payment and one-off extra payments. Exact decimal arithmetic: the payment is PMT rounded to the currency's decimals, each period's interest is rounded half away from zero, and the last payment absorbs rounding so the balance ends at exactly 0. All amounts are positive (borrower's view). Extra payments shorten the schedule; paymentCount says how many periods it took.")]
    public static AmortizationSchedule AmortizationSchedule(
        [Description("Amount borrowed, positive, in currency units (e.g. 200000.00).")] decimal principal,
        [Description("Interest rate per period as a fraction: 0.005 for 6 % a year paid monthly. 0 ≤ rate < 1.")] decimal rate,
        [Description("Number of scheduled periods, 1 to 1200."), Range(1, 1200)] int periods,
        [Description("Extra principal paid every period on top of the scheduled payment. Default 0.")] decimal extraPayment = 0,
        [Description("One-off extra principal payments, each with its period and amount.")] ExtraPayment[]? oneOffExtraPayments = null,
        [Description("Decimals to round to: 2 for cents (default), 0 for JPY, 3 for KWD."), Range(0, 4)] int decimals = 2) =>
        ToolGuard.Run(() =>
        {
            var oneOffs = new Dictionary<int, decimal>();
            foreach (var extra in oneOffExtraPayments ?? [])
            {
                oneOffs[extra.Period] = oneOffs.GetValueOrDefault(extra.Period) + extra.Amount;
            }

            return Amortization.Build(principal, rate, periods, extraPayment, oneOffs, decimals);
        });
}
