using Switchboard.Servers.Financial.TimeValue;

namespace Switchboard.Servers.Financial.Tests.TimeValue;

public sealed class AmortizationTests
{
    [Fact]
    public void Build_ThirtyYearMortgage_FirstRowMatchesStandardTable()
    {
        // Standard amortization table: $100,000 at 6 %/12 over 360 months pays $599.55; month 1 is $500.00 interest.
        var schedule = Amortization.Build(100000m, 0.005m, 360);
        Assert.Equal(599.55m, schedule.ScheduledPayment);
        Assert.Equal(500.00m, schedule.Rows[0].Interest);
        Assert.Equal(99.55m, schedule.Rows[0].Principal);
        Assert.Equal(99900.45m, schedule.Rows[0].Balance);
    }

    [Fact]
    public void Build_AnySchedule_EndsAtExactlyZeroAndTotalsAddUp()
    {
        var schedule = Amortization.Build(100000m, 0.005m, 360);
        Assert.Equal(0m, schedule.Rows[^1].Balance);
        Assert.Equal(360, schedule.PaymentCount);
        Assert.Equal(100000m + schedule.TotalInterest, schedule.TotalPaid);
        Assert.Equal(100000m, schedule.Rows.Sum(r => r.Principal + r.ExtraPayment));
    }

    [Fact]
    public void Build_ExtraPayments_ShortenTheLoanAndCutInterest()
    {
        var plain = Amortization.Build(100000m, 0.005m, 360);
        var extra = Amortization.Build(100000m, 0.005m, 360, 100m, new Dictionary<int, decimal> { [12] = 5000m });
        Assert.True(extra.PaymentCount < plain.PaymentCount);
        Assert.True(extra.TotalInterest < plain.TotalInterest);
        Assert.Equal(0m, extra.Rows[^1].Balance);
        Assert.Equal(5100m, extra.Rows[11].ExtraPayment);
    }

    [Fact]
    public void Build_ZeroRate_SplitsPrincipalEvenly()
    {
        var schedule = Amortization.Build(1200m, 0m, 12);
        Assert.All(schedule.Rows, row => Assert.Equal(100m, row.Payment));
        Assert.Equal(0m, schedule.TotalInterest);
    }

    [Fact]
    public void Build_NonPositivePrincipal_Throws() =>
        Assert.Throws<FinancialException>(() => Amortization.Build(0m, 0.01m, 12));
}
