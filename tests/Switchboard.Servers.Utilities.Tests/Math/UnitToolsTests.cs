namespace Switchboard.Servers.Utilities.Tests;

public sealed class UnitToolsTests
{
    [Theory]
    // Exact definitions: international mile 1609.344 m, US gallon 231 in³, pound 0.45359237 kg.
    [InlineData(1, "mi", "km", 1.609344)]
    [InlineData(100, "C", "F", 212)]
    [InlineData(32, "fahrenheit", "celsius", 0)]
    [InlineData(0, "K", "C", -273.15)]
    [InlineData(1, "GiB", "GB", 1.073741824)]
    [InlineData(8, "bit", "B", 1)]
    [InlineData(1, "gal", "l", 3.785411784)]
    [InlineData(1, "lb", "g", 453.59237)]
    [InlineData(1, "h", "s", 3600)]
    [InlineData(1, "atm", "Pa", 101325)]
    [InlineData(1, "kWh", "J", 3_600_000)]
    [InlineData(180, "deg", "rad", System.Math.PI)]
    [InlineData(1, "acre", "m2", 4046.8564224)]
    [InlineData(100, "km/h", "m/s", 27.777777777777779)]
    public async Task UnitConvert_KnownFactors_Convert(double value, string from, string to, double expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("unit_convert", new { value, from, to });
        Assert.Equal(expected, result.GetProperty("value").GetDouble(), 9);
    }

    [Fact]
    public async Task UnitConvert_DifferentQuantities_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("measure different quantities", await mcp.ErrorAsync("unit_convert", new { value = 1, from = "kg", to = "m" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnitConvert_UnknownUnit_ReturnsToolErrorListingUnits()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("unit_convert", new { value = 1, from = "furlong", to = "m" });
        Assert.Contains("Unknown unit 'furlong'", error, StringComparison.Ordinal);
        Assert.Contains("length: m km", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnitConvert_BelowAbsoluteZero_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("below absolute zero", await mcp.ErrorAsync("unit_convert", new { value = -300, from = "C", to = "K" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnitConvert_ValueNotNumber_ReturnsToolError()
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains("'value' must be a number", await mcp.ErrorAsync("unit_convert", new { value = "ten", from = "m", to = "ft" }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnitConvert_ResultBeyondDoublePrecision_ReturnsOverflowError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string error = await mcp.ErrorAsync("unit_convert", new { value = 1e308, from = "km", to = "mm" });
        Assert.Contains("1E+308 km in mm is beyond double precision", error, StringComparison.Ordinal);
    }
}
