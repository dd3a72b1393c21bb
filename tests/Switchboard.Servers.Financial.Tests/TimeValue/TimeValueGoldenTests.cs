using Switchboard.Servers.Financial.TimeValue;

namespace Switchboard.Servers.Financial.Tests.TimeValue;

// Golden values. "Excel doc" = the example table on the function's Microsoft Support page; "LibreOffice help" = the
// example in the LibreOffice Calc function help; expected values are as printed there, so tolerances are half a unit
// of the last printed digit.
public sealed class TimeValueGoldenTests
{
    private const PaymentTiming End = PaymentTiming.End;
    private const PaymentTiming Begin = PaymentTiming.Beginning;

    [Theory]
    [InlineData(0.08 / 12, 10, 10000, 0, End, -1037.03, 0.005)] // Excel doc PMT: monthly payment for the loan
    [InlineData(0.08 / 12, 10, 10000, 0, Begin, -1030.16, 0.005)] // Excel doc PMT: payments due at the beginning of the period
    [InlineData(0.06 / 12, 18 * 12, 0, 50000, End, -129.08, 0.005)] // Excel doc PMT: saving $50,000 in 18 years
    [InlineData(0.06 / 12, 360, 100000, 0, End, -599.55, 0.005)] // Standard 30-year mortgage table: $599.55 per $100,000 at 6 %
    [InlineData(0.0199 / 12, 36, 25000, 0, End, -715.96, 0.005)] // LibreOffice help PMT: 1.99 %/12, 36 months, 25,000
    [InlineData(0.10, 5, -3790.79, 0, End, 1000.00, 0.005)] // Ross, Westerfield & Jaffe annuity table: PV of $1,000 for 5 years at 10 % = 3,790.79
    public void Pmt_PublishedExamples_MatchToPrintedPrecision(double rate, double nper, double pv, double fv, PaymentTiming timing, double expected, double tolerance) =>
        Assert.Equal(expected, TimeValueMath.Payment(rate, nper, pv, fv, timing), tolerance);

    [Fact]
    public void Pmt_ZeroRate_ReturnsPrincipalOverPeriods() => // Definition: with r = 0, pv + pmt·n + fv = 0
        Assert.Equal(-100, TimeValueMath.Payment(0, 12, 1200), 1e-12);

    [Theory]
    [InlineData(0.06 / 12, 10, -200, -500, Begin, 2581.40, 0.005)] // Excel doc FV: example 1
    [InlineData(0.12 / 12, 12, -1000, 0, End, 12682.50, 0.005)] // Excel doc FV: example 2
    [InlineData(0.11 / 12, 35, -2000, 0, Begin, 82846.25, 0.005)] // Excel doc FV: example 2, third row
    [InlineData(0.04, 2, 750, 2500, End, -4234.00, 0.005)] // LibreOffice help FV: FV(4%;2;750;2500) = -4234.00
    [InlineData(0.10, 5, 0, -100, End, 161.05, 0.005)] // Textbook compound interest table: $100 at 10 % for 5 years = 161.05
    [InlineData(0, 10, -100, -1000, End, 2000, 1e-12)] // Zero rate: -(pv + pmt·n)
    public void Fv_PublishedExamples_MatchToPrintedPrecision(double rate, double nper, double pmt, double pv, PaymentTiming timing, double expected, double tolerance) =>
        Assert.Equal(expected, TimeValueMath.FutureValue(rate, nper, pmt, pv, timing), tolerance);

    [Theory]
    [InlineData(0.08 / 12, 12 * 20, 500, 0, End, -59777.15, 0.005)] // Excel doc PV: annuity of $500 a month for 20 years at 8 %
    [InlineData(0.08, 10, 500, 0, End, -3355.04, 0.005)] // LibreOffice help PV: PV(8%;10;500;0;0)
    [InlineData(0.08, 10, 0, 1000, End, -463.19, 0.005)] // Textbook present value table: $1,000 in 10 years at 8 % = 463.19
    [InlineData(0, 10, -100, -1000, End, 2000, 1e-12)] // Zero rate: -(fv + pmt·n)
    public void Pv_PublishedExamples_MatchToPrintedPrecision(double rate, double nper, double pmt, double fv, PaymentTiming timing, double expected, double tolerance) =>
        Assert.Equal(expected, TimeValueMath.PresentValue(rate, nper, pmt, fv, timing), tolerance);

    [Theory]
    [InlineData(0.12 / 12, -100, -1000, 10000, Begin, 59.6738657, 5e-8)] // Excel doc NPER: first row
    [InlineData(0.12 / 12, -100, -1000, 10000, End, 60.0821229, 5e-8)] // Excel doc NPER: second row
    [InlineData(0.12 / 12, -100, -1000, 0, End, -9.57859404, 5e-9)] // Excel doc NPER: third row
    [InlineData(0.06, 153.75, 2600, 0, End, -12.02, 0.005)] // LibreOffice help NPER: NPER(6%;153.75;2600) = -12.02
    [InlineData(0, -100, 1000, 0, End, 10, 1e-12)] // Zero rate: -(pv + fv)/pmt
    public void Nper_PublishedExamples_MatchToPrintedPrecision(double rate, double pmt, double pv, double fv, PaymentTiming timing, double expected, double tolerance) =>
        Assert.Equal(expected, TimeValueMath.Periods(rate, pmt, pv, fv, timing), tolerance);

    [Theory]
    [InlineData(0.10 / 12, 1, 36, 8000, -66.67, 0.005)] // Excel doc IPMT: interest in the first month of a 3-year $8,000 loan
    [InlineData(0.10, 3, 3, 8000, -292.45, 0.005)] // Excel doc IPMT: interest in the last year, annual payments
    public void Ipmt_PublishedExamples_MatchToPrintedPrecision(double rate, double per, double nper, double pv, double expected, double tolerance) =>
        Assert.Equal(expected, TimeValueMath.InterestPayment(rate, per, nper, pv), tolerance);

    [Theory]
    [InlineData(0.10 / 12, 1, 24, 2000, -75.62, 0.005)] // Excel doc PPMT: principal in month 1 of a 2-year $2,000 loan
    [InlineData(0.08, 10, 10, 200000, -27598.05, 0.005)] // Excel doc PPMT: principal in year 10 of a $200,000 loan
    public void Ppmt_PublishedExamples_MatchToPrintedPrecision(double rate, double per, double nper, double pv, double expected, double tolerance) =>
        Assert.Equal(expected, TimeValueMath.PrincipalPayment(rate, per, nper, pv), tolerance);

    [Fact]
    public void Ipmt_FirstPeriodPaidInAdvance_IsZero() => // Annuity due: the first payment is made before any interest accrues
        Assert.Equal(0, TimeValueMath.InterestPayment(0.01, 1, 12, 1000, 0, Begin));

    [Fact]
    public void Rate_ExcelDocLoan_AnnualisesToNinePointTwoFourPercent() => // Excel doc RATE: RATE(48, -200, 8000)*12 = 9.24 %
        Assert.Equal(0.0924, TimeValueMath.Rate(48, -200, 8000) * 12, 0.00005);

    [Fact]
    public void Rate_ExcelDocLoan_MonthlyRateRoundsToOnePercent() => // Excel doc RATE: RATE(48, -200, 8000) displayed as 1 %
        Assert.Equal(0.01, TimeValueMath.Rate(48, -200, 8000), 0.005);

    [Fact]
    public void Rate_TextbookAnnuity_RecoversTenPercent() => // Annuity table: PV of $1,000 a year for 5 years at 10 % = 3,790.79
        Assert.Equal(0.10, TimeValueMath.Rate(5, 1000, -3790.79), 1e-6);

    [Fact]
    public void Rate_ZeroInterestLoan_ReturnsZero() => // 12 payments of 100 repay 1,200 exactly
        Assert.Equal(0, TimeValueMath.Rate(12, -100, 1200), 1e-12);

    [Theory]
    [InlineData(0.0525, 4, 0.0535427, 5e-8)] // Excel doc EFFECT: EFFECT(5.25 %, 4) = 0.0535427
    [InlineData(0.0975, 4, 0.1011, 0.00005)] // LibreOffice help EFFECT: EFFECT(9.75%;4) = 10.11 %
    [InlineData(0.12, 12.9, 0.126825, 5e-7)] // Truncation of npery as the spreadsheet does: 12.9 → 12 (1.01^12 - 1 = 0.126825)
    public void Effect_PublishedExamples_MatchToPrintedPrecision(double nominal, double npery, double expected, double tolerance) =>
        Assert.Equal(expected, InterestRates.Effective(nominal, npery), tolerance);

    [Theory]
    [InlineData(0.053543, 4, 0.05250032, 5e-9)] // Excel doc NOMINAL: NOMINAL(5.3543 %, 4) = 0.05250032
    [InlineData(0.135, 12, 0.1273, 0.00005)] // LibreOffice help NOMINAL: NOMINAL(13.5%;12) = 12.73 %
    public void Nominal_PublishedExamples_MatchToPrintedPrecision(double effective, double npery, double expected, double tolerance) =>
        Assert.Equal(expected, InterestRates.Nominal(effective, npery), tolerance);
}
