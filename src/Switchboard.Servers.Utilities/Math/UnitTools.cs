using System.ComponentModel;
using System.Globalization;
using ModelContextProtocol.Server;

namespace Switchboard.Servers.Utilities.Math;

/// <summary>Unit conversion.</summary>
[McpServerToolType]
internal static class UnitTools
{
    [McpServerTool(Name = "unit_convert", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Converts a value between units of the same quantity. Symbols (case-sensitive where it matters; common names like 'miles' or 'celsius' also work): length m km cm mm um nm in ft yd mi nmi au ly; mass kg g mg ug t lb oz st ton_us ton_uk; temperature C F K R; volume m3 l ml cl cm3 ft3 in3 gal qt pt cup floz tbsp tsp (US) gal_uk pt_uk; time s ms us ns min h d wk mo yr (month/year = Gregorian averages); data B bit kB MB GB TB PB (decimal) KiB MiB GiB TiB PiB (binary) kbit Mbit Gbit; area m2 km2 cm2 ha acre ft2 in2 mi2; speed m/s km/h mph kn ft/s; pressure Pa kPa MPa bar atm psi mmHg; energy J kJ cal kcal Wh kWh eV BTU; angle rad deg grad turn arcmin arcsec.")]
    public static UnitConversion Convert(
        [Description("The value to convert.")] double value,
        [Description("The unit of 'value', e.g. 'mi', 'F', 'GiB'.")] string from,
        [Description("The unit to convert to, of the same quantity, e.g. 'km', 'C', 'GB'.")] string to)
    {
        Limits.RequireLength(from, nameof(from), 50);
        Limits.RequireLength(to, nameof(to), 50);
        if (!double.IsFinite(value))
        {
            ToolError.Throw("'value' must be a finite number.");
        }

        var source = Units.Find(from) ?? Unknown(from, nameof(from));
        var target = Units.Find(to) ?? Unknown(to, nameof(to));
        if (source.Category != target.Category)
        {
            ToolError.Throw($"Cannot convert {source.Name} ({source.Category}) to {target.Name} ({target.Category}): the units measure different quantities.");
        }

        double baseValue = (value * source.Factor) + source.Offset;
        if (source.Category == "temperature" && baseValue < -1e-9)
        {
            ToolError.Throw($"{value.ToString(CultureInfo.InvariantCulture)} {source.Symbol} is below absolute zero (0 K).");
        }

        double result = (baseValue - target.Offset) / target.Factor;
        if (!double.IsFinite(result))
        {
            ToolError.Throw($"{value.ToString(CultureInfo.InvariantCulture)} {source.Symbol} in {target.Symbol} is beyond double precision (about ±1.8e308).");
        }

        return new UnitConversion(result, result.ToString("G12", CultureInfo.InvariantCulture), source.Symbol, target.Symbol, source.Category);
    }

    private static Units.Unit Unknown(string name, string parameter)
    {
        var suggestions = Units.ByCategory.Select(g => $"{g.Key}: {string.Join(' ', g.Select(u => u.Symbol))}");
        return ToolError.Throw<Units.Unit>($"Unknown unit '{name}' in '{parameter}'. Known units — {string.Join("; ", suggestions)}.");
    }
}

/// <summary>A converted value.</summary>
/// <param name="Value">The converted value (double precision).</param>
/// <param name="Display">The value rounded to 12 significant digits.</param>
/// <param name="From">The source unit's symbol.</param>
/// <param name="To">The target unit's symbol.</param>
/// <param name="Category">The quantity both units measure.</param>
internal sealed record UnitConversion(double Value, string Display, string From, string To, string Category);
