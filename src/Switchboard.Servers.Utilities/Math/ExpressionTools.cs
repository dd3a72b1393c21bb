using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Math;

/// <summary>Safe arithmetic.</summary>
[McpServerToolType]
internal static class ExpressionTools
{
    [McpServerTool(Name = "math_evaluate", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Evaluates an arithmetic expression exactly as written — use it instead of doing arithmetic in your head. Operators: + - * / % (remainder), ^ (power, right-associative; -2^2 = -4), ! (factorial), parentheses. Constants: pi, e, tau, phi. Functions: abs sqrt cbrt exp ln log(x) (base 10) log(x, base) log2 log10 sin cos tan asin acos atan atan2 sinh cosh tanh (radians) deg rad floor ceil trunc round(x, digits) sign pow hypot min max sum avg. Numbers like 1.5, 2e-3, 1_000_000. IEEE 754 double precision (about 15-17 significant digits); 'display' is rounded to 15 significant digits so 0.1+0.2 shows 0.3. No variables, no code.")]
    public static ExpressionResult Evaluate(
        [Description("The expression, e.g. \"(1 + 2.5) * 3^2 / sqrt(16)\". At most 10,000 characters.")] string expression)
    {
        Limits.RequireLength(expression, nameof(expression), Limits.MaxExpressionChars);
        if (string.IsNullOrWhiteSpace(expression))
        {
            ToolError.Throw("'expression' is empty. Send an arithmetic expression such as \"2 * (3 + 4)\".");
        }

        double value = ExpressionParser.Evaluate(expression);
        if (double.IsNaN(value))
        {
            ToolError.Throw("The expression is undefined (not a number), e.g. 0/0 or sqrt of a negative number.");
        }

        if (double.IsInfinity(value))
        {
            ToolError.Throw("The result overflows double precision (larger than about 1.8e308).");
        }

        return new ExpressionResult(value, value.ToString("G15", CultureInfo.InvariantCulture));
    }
}

/// <summary>The value of an expression.</summary>
/// <param name="Value">The value as a double (shortest round-trip form).</param>
/// <param name="Display">The value rounded to 15 significant digits, which hides binary rounding noise.</param>
internal sealed record ExpressionResult(double Value, string Display);
