using Switchboard.Servers.Financial.Depreciation;

namespace Switchboard.Servers.Financial.Tests.Depreciation;

// Golden values from the Excel documentation pages (Microsoft Support) for SLN, SYD, DB and DDB, as printed.
public sealed class DepreciationGoldenTests
{
    [Fact]
    public void Sln_ExcelDocExample_Is2250() => // Excel doc SLN: SLN(30000, 7500, 10)
        Assert.Equal(2250m, DepreciationMath.StraightLine(30000m, 7500m, 10m));

    [Theory]
    [InlineData(1, 4090.91)] // Excel doc SYD: first year
    [InlineData(10, 409.09)] // Excel doc SYD: tenth year
    public void Syd_ExcelDocExamples_MatchToTheCent(int period, double expected) =>
        Assert.Equal((decimal)expected, Math.Round(DepreciationMath.SumOfYearsDigits(30000m, 7500m, 10m, period), 2));

    [Theory]
    [InlineData(1, 186083.33)] // Excel doc DB: year 1 (7 months)
    [InlineData(2, 259639.42)] // Excel doc DB: year 2
    [InlineData(3, 176814.44)] // Excel doc DB: year 3
    [InlineData(4, 120410.64)] // Excel doc DB: year 4
    [InlineData(5, 81999.64)] // Excel doc DB: year 5
    [InlineData(6, 55841.76)] // Excel doc DB: year 6
    [InlineData(7, 15845.10)] // Excel doc DB: year 7 (5 months)
    public void Db_ExcelDocExample_MatchesEveryYearToTheCent(int period, double expected) =>
        Assert.Equal((decimal)expected, Math.Round(DepreciationMath.DecliningBalance(1000000m, 100000m, 6, period, 7), 2));

    [Theory]
    [InlineData(2400, 300, 3650, 1, 2, 1.32)] // Excel doc DDB: first day
    [InlineData(2400, 300, 120, 1, 2, 40.00)] // Excel doc DDB: first month
    [InlineData(2400, 300, 10, 1, 2, 480.00)] // Excel doc DDB: first year
    [InlineData(2400, 300, 10, 2, 1.5, 306.00)] // Excel doc DDB: second year, factor 1.5
    [InlineData(2400, 300, 10, 10, 2, 22.12)] // Excel doc DDB: tenth year
    public void Ddb_ExcelDocExamples_MatchToTheCent(double cost, double salvage, double life, double period, double factor, double expected) =>
        Assert.Equal(expected, DepreciationMath.DoubleDecliningBalance(cost, salvage, life, period, factor), 0.005);

    [Fact]
    public void Syd_AllPeriods_SumToDepreciableBase()
    {
        decimal total = 0;
        for (int period = 1; period <= 10; period++)
        {
            total += DepreciationMath.SumOfYearsDigits(30000m, 7500m, 10m, period);
        }

        Assert.Equal(22500m, Math.Round(total, 20));
    }

    [Fact]
    public void Ddb_NeverDepreciatesBelowSalvage()
    {
        double total = 0;
        for (int period = 1; period <= 10; period++)
        {
            total += DepreciationMath.DoubleDecliningBalance(2400, 300, 10, period);
        }

        Assert.True(total <= 2100 + 1e-9);
    }

    [Fact]
    public void Db_PeriodBeyondLife_Throws() =>
        Assert.Throws<FinancialException>(() => DepreciationMath.DecliningBalance(1000m, 100m, 6, 7));
}
