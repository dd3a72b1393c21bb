using Switchboard.Servers.Financial.Currency;

namespace Switchboard.Servers.Financial.Tests.Currency;

// Minor units from ISO 4217 list one (SIX, maintenance agency); rounding examples follow the definitions of the modes.
public sealed class CurrencyGoldenTests
{
    [Theory]
    [InlineData("USD", 2)]
    [InlineData("EUR", 2)]
    [InlineData("GBP", 2)]
    [InlineData("CHF", 2)]
    [InlineData("JPY", 0)]
    [InlineData("KRW", 0)]
    [InlineData("VND", 0)]
    [InlineData("ISK", 0)]
    [InlineData("CLP", 0)]
    [InlineData("XOF", 0)]
    [InlineData("KWD", 3)]
    [InlineData("BHD", 3)]
    [InlineData("OMR", 3)]
    [InlineData("JOD", 3)]
    [InlineData("TND", 3)]
    [InlineData("CLF", 4)]
    [InlineData("UYW", 4)]
    public void MinorUnits_Iso4217ListOne(string code, int expected)
    {
        Assert.True(CurrencyTable.TryGetMinorUnits(code, out int? minorUnits));
        Assert.Equal(expected, minorUnits);
    }

    [Theory]
    [InlineData("XAU")] // Gold: minor unit N.A. in ISO 4217
    [InlineData("XDR")] // SDR: minor unit N.A. in ISO 4217
    public void MinorUnits_MetalsAndSdr_AreNotApplicable(string code)
    {
        Assert.True(CurrencyTable.TryGetMinorUnits(code, out int? minorUnits));
        Assert.Null(minorUnits);
    }

    [Theory]
    [InlineData(100, "EUR", "USD", 1.0850, 108.50)]
    [InlineData(1234.5, "USD", "JPY", 151.234, 186698)]
    [InlineData(10, "USD", "KWD", 0.307456, 3.075)]
    [InlineData(0.005, "EUR", "USD", 1, 0.01)] // half away from zero
    [InlineData(-0.005, "EUR", "USD", 1, -0.01)] // half away from zero, negative
    public void Convert_RoundsToTargetMinorUnits(double amount, string from, string to, double rate, double expected) =>
        Assert.Equal((decimal)expected, CurrencyMath.Convert((decimal)amount, from, to, (decimal)rate).Amount);

    [Theory]
    [InlineData(2.345, RoundingMode.HalfAwayFromZero, 2.35)]
    [InlineData(2.345, RoundingMode.HalfEven, 2.34)]
    [InlineData(2.355, RoundingMode.HalfEven, 2.36)]
    [InlineData(2.349, RoundingMode.TowardZero, 2.34)]
    [InlineData(-2.349, RoundingMode.TowardZero, -2.34)]
    public void Round_Usd_AppliesMode(double amount, RoundingMode mode, double expected) =>
        Assert.Equal((decimal)expected, CurrencyMath.Round((decimal)amount, "usd", mode).Amount);

    [Fact]
    public void Convert_ExactDecimal_NoBinaryDrift() => // 0.1 × 3 in decimal is exactly 0.3
        Assert.Equal(0.3m, CurrencyMath.Convert(0.1m, "USD", "EUR", 3m).UnroundedAmount);

    [Fact]
    public void Convert_UnknownCode_Throws() =>
        Assert.Throws<FinancialException>(() => CurrencyMath.Convert(1m, "USD", "ABC", 1m));
}
