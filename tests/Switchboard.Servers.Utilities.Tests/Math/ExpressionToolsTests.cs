namespace Switchboard.Servers.Utilities.Tests;

public sealed class ExpressionToolsTests
{
    [Theory]
    [InlineData("2 + 3 * 4", 14)]
    [InlineData("(2 + 3) * 4", 20)]
    [InlineData("-2^2", -4)]
    [InlineData("2^3^2", 512)]
    [InlineData("(1 + 2.5) * 3^2 / sqrt(16)", 7.875)]
    [InlineData("10 % 4", 2)]
    [InlineData("5!", 120)]
    [InlineData("max(1, 7, 3) + min(4, 2)", 9)]
    [InlineData("round(2.345, 2)", 2.35)]
    [InlineData("log(1000)", 3)]
    [InlineData("log(8, 2)", 3)]
    [InlineData("1_000_000 * 2e-3", 2000)]
    [InlineData("cos(pi)", -1)]
    public async Task MathEvaluate_Expressions_Evaluate(string expression, double expected)
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("math_evaluate", new { expression });
        Assert.Equal(expected, result.GetProperty("value").GetDouble(), 12);
    }

    [Fact]
    public async Task MathEvaluate_BinaryRoundingNoise_DisplayIsClean()
    {
        await using var mcp = await Tools.ConnectAsync();
        var result = await mcp.JsonAsync("math_evaluate", new { expression = "0.1 + 0.2" });
        Assert.Equal("0.3", result.GetProperty("display").GetString());
    }

    [Theory]
    [InlineData("1 / 0", "division by zero at position 3")]
    [InlineData("2 +", "ends too early")]
    [InlineData("2 * (3 + 4", "expected ')'")]
    [InlineData("system(\"rm -rf /\")", "unknown function 'system'")]
    [InlineData("x + 1", "unknown name 'x'")]
    [InlineData("sqrt(-1)", "undefined")]
    [InlineData("10^400", "overflows")]
    [InlineData("log(0)", "log() is -infinity (undefined) for these arguments at position 1")]
    [InlineData("2 * ln(0)", "ln() is -infinity (undefined) for these arguments at position 5")]
    [InlineData("pow(0, -1)", "pow() is infinity (undefined) for these arguments")]
    [InlineData("0^-1", "0 to a negative power is infinite (undefined)")]
    [InlineData("atan2(1)", "takes 2 argument(s), got 1")]
    [InlineData("2.5!", "factorial")]
    public async Task MathEvaluate_Invalid_ReturnsToolError(string expression, string message)
    {
        await using var mcp = await Tools.ConnectAsync();
        Assert.Contains(message, await mcp.ErrorAsync("math_evaluate", new { expression }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MathEvaluate_DeepNesting_ReturnsLimitError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string expression = new string('(', 2000) + "1" + new string(')', 2000);
        Assert.Contains("nests deeper than", await mcp.ErrorAsync("math_evaluate", new { expression }), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MathEvaluate_TooLong_ReturnsLimitError()
    {
        await using var mcp = await Tools.ConnectAsync();
        string expression = string.Join('+', Enumerable.Repeat("1", 6000));
        Assert.Contains("the limit is 10,000", await mcp.ErrorAsync("math_evaluate", new { expression }), StringComparison.Ordinal);
    }
}
