using Switchboard.Servers.Financial.CashFlows;

namespace Switchboard.Servers.Financial.Tests.CashFlows;

// Golden values from the Excel documentation pages (Microsoft Support) and LibreOffice Calc help, as printed.
public sealed class CashFlowGoldenTests
{
    private static readonly double[] XirrValues = [-10000, 2750, 4250, 3250, 2750];
    private static readonly DateOnly[] XirrDates = [new(2008, 1, 1), new(2008, 3, 1), new(2008, 10, 30), new(2009, 2, 15), new(2009, 4, 1)];

    [Fact]
    public void Npv_ExcelDocExample1_Is1188Point44() => // Excel doc NPV: NPV(10%, -10000, 3000, 4200, 6800)
        Assert.Equal(1188.44, CashFlowMath.NetPresentValue(0.10, [-10000, 3000, 4200, 6800]), 0.005);

    [Fact]
    public void Npv_ExcelDocExample2_PlusInitialInvestment_Is1922Point06() => // Excel doc NPV: NPV(8%, A4:A8) + A3
        Assert.Equal(1922.06, CashFlowMath.NetPresentValue(0.08, [8000, 9200, 10000, 12000, 14500]) - 40000, 0.005);

    [Fact]
    public void Npv_ExcelDocExample2_WithSixthYearLoss_IsMinus3749Point47() => // Excel doc NPV: NPV(8%, A4:A8, -9000) + A3
        Assert.Equal(-3749.47, CashFlowMath.NetPresentValue(0.08, [8000, 9200, 10000, 12000, 14500, -9000]) - 40000, 0.005);

    [Theory]
    [InlineData(new double[] { -70000, 12000, 15000, 18000, 21000 }, -0.021, 0.0005)] // Excel doc IRR: after four years, -2.1 %
    [InlineData(new double[] { -70000, 12000, 15000, 18000, 21000, 26000 }, 0.087, 0.0005)] // Excel doc IRR: after five years, 8.7 %
    [InlineData(new double[] { -70000, 12000, 15000 }, -0.444, 0.0005)] // Excel doc IRR: after two years (guess -10 %), -44.4 %
    [InlineData(new double[] { -10000, 3500, 7600, 1000 }, 0.1133, 0.00005)] // LibreOffice help IRR: 11.33 %
    [InlineData(new double[] { -100, 110 }, 0.10, 1e-12)] // One period: 110/100 - 1
    [InlineData(new double[] { -100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 200 }, 0.0717734625, 1e-10)] // Zeros between: 2^(1/10) - 1
    public void Irr_PublishedExamples_MatchToPrintedPrecision(double[] values, double expected, double tolerance) =>
        Assert.Equal(expected, CashFlowMath.InternalRateOfReturn(values), tolerance);

    [Fact]
    public void Xnpv_ExcelDocExample_Is2086Point65() => // Excel doc XNPV: XNPV(0.09, A2:A6, B2:B6)
        Assert.Equal(2086.65, CashFlowMath.NetPresentValue(0.09, XirrValues, XirrDates), 0.005);

    [Fact]
    public void Xirr_ExcelDocExample_Is0Point373362535() => // Excel doc XIRR: 0.373362535; Excel stops iterating at about 1e-8, so that is the tolerance
        Assert.Equal(0.373362535, CashFlowMath.InternalRateOfReturn(XirrValues, XirrDates), 1e-8);


    [Theory]
    [InlineData(new double[] { -120000, 39000, 30000, 21000, 37000, 46000 }, 0.10, 0.12, 0.126, 0.0005)] // Excel doc MIRR: after five years, 12.6 %
    [InlineData(new double[] { -120000, 39000, 30000, 21000 }, 0.10, 0.12, -0.048, 0.0005)] // Excel doc MIRR: after three years, -4.8 %
    [InlineData(new double[] { -120000, 39000, 30000, 21000, 37000, 46000 }, 0.10, 0.14, 0.135, 0.0005)] // Excel doc MIRR: reinvest at 14 %, 13.5 %
    public void Mirr_ExcelDocExamples_MatchToPrintedPrecision(double[] values, double financeRate, double reinvestRate, double expected, double tolerance) =>
        Assert.Equal(expected, CashFlowMath.ModifiedInternalRateOfReturn(values, financeRate, reinvestRate), tolerance);

    [Fact]
    public void Irr_TwoSignChangesWithTwoRoots_ThrowsListingBoth()
    {
        // Brealey, Myers & Allen, Principles of Corporate Finance, ch. 5 (multiple rates of return): -1,600, +10,000,
        // -10,000 has IRRs of 25 % and 400 %.
        var exception = Assert.Throws<FinancialException>(() => CashFlowMath.InternalRateOfReturn([-1600, 10000, -10000]));
        Assert.Contains("0.25", exception.Message, StringComparison.Ordinal);
        Assert.Contains("4", exception.Message, StringComparison.Ordinal);
        Assert.Contains("MIRR", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Irr_NoSignChange_ThrowsAskingForBothSigns()
    {
        var exception = Assert.Throws<FinancialException>(() => CashFlowMath.InternalRateOfReturn([100, 200, 300]));
        Assert.Contains("negative", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Irr_SignChangeButNoRoot_ThrowsNoRate()
    {
        // -100, +300, -300: NPV(x) = -100 + 300x - 300x² < 0 for every discount factor x > 0 (discriminant < 0).
        var exception = Assert.Throws<FinancialException>(() => CashFlowMath.InternalRateOfReturn([-100, 300, -300]));
        Assert.Contains("No IRR", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Irr_NegativeRateSolution_IsFound() => // Lose 50 % in one period
        Assert.Equal(-0.5, CashFlowMath.InternalRateOfReturn([-100, 50]), 1e-12);

    [Fact]
    public void Xirr_DateBeforeFirst_Throws() =>
        Assert.Throws<FinancialException>(() => CashFlowMath.InternalRateOfReturn([-100, 110], [new DateOnly(2020, 1, 1), new DateOnly(2019, 1, 1)]));

    [Fact]
    public void Xirr_LeapYear_UsesActualDaysOver365() => // 2020-01-01 to 2021-01-01 is 366 days: 1.1^(365/366) - 1
        Assert.Equal(Math.Pow(1.1, 365.0 / 366) - 1, CashFlowMath.InternalRateOfReturn([-100, 110], [new DateOnly(2020, 1, 1), new DateOnly(2021, 1, 1)]), 1e-12);

    [Fact]
    public void SignChanges_CountsIgnoringZeros() =>
        Assert.Equal(2, CashFlowMath.SignChanges([-1, 0, 2, 0, 0, -3]));
}
