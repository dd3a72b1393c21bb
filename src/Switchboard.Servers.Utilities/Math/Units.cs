namespace Switchboard.Servers.Utilities.Math;

/// <summary>
/// Units by category, each as a factor to the category's SI base unit (plus an offset for temperatures). Factors
/// are the exact legal definitions where one exists (international yard and pound, 1959; US liquid gallon
/// = 231 in³; imperial gallon = 4.54609 L; thermochemical calorie = 4.184 J).
/// </summary>
internal static class Units
{
    /// <summary>One unit: its category, canonical symbol, and value in base units of 1 unit (value·Factor + Offset).</summary>
    public sealed record Unit(string Category, string Symbol, string Name, double Factor, double Offset = 0);

    private static readonly Unit[] All =
    [
        // Length, base metre.
        new("length", "m", "metre", 1), new("length", "km", "kilometre", 1000), new("length", "cm", "centimetre", 0.01),
        new("length", "mm", "millimetre", 0.001), new("length", "um", "micrometre", 1e-6), new("length", "nm", "nanometre", 1e-9),
        new("length", "in", "inch", 0.0254), new("length", "ft", "foot", 0.3048), new("length", "yd", "yard", 0.9144),
        new("length", "mi", "mile", 1609.344), new("length", "nmi", "nautical mile", 1852), new("length", "au", "astronomical unit", 149_597_870_700),
        new("length", "ly", "light-year", 9_460_730_472_580_800),

        // Mass, base kilogram.
        new("mass", "kg", "kilogram", 1), new("mass", "g", "gram", 0.001), new("mass", "mg", "milligram", 1e-6), new("mass", "ug", "microgram", 1e-9),
        new("mass", "t", "tonne", 1000), new("mass", "lb", "pound", 0.45359237), new("mass", "oz", "ounce", 0.45359237 / 16),
        new("mass", "st", "stone", 0.45359237 * 14), new("mass", "ton_us", "short ton", 0.45359237 * 2000), new("mass", "ton_uk", "long ton", 0.45359237 * 2240),

        // Temperature, base kelvin: K = value·Factor + Offset.
        new("temperature", "K", "kelvin", 1), new("temperature", "C", "degree Celsius", 1, 273.15),
        new("temperature", "F", "degree Fahrenheit", 5.0 / 9, 273.15 - (32 * 5.0 / 9)), new("temperature", "R", "degree Rankine", 5.0 / 9),

        // Volume, base cubic metre.
        new("volume", "m3", "cubic metre", 1), new("volume", "l", "litre", 0.001), new("volume", "ml", "millilitre", 1e-6), new("volume", "cl", "centilitre", 1e-5),
        new("volume", "cm3", "cubic centimetre", 1e-6), new("volume", "ft3", "cubic foot", 0.3048 * 0.3048 * 0.3048), new("volume", "in3", "cubic inch", 0.0254 * 0.0254 * 0.0254),
        new("volume", "gal", "US gallon", 231 * 0.0254 * 0.0254 * 0.0254), new("volume", "qt", "US quart", 231 * 0.0254 * 0.0254 * 0.0254 / 4),
        new("volume", "pt", "US pint", 231 * 0.0254 * 0.0254 * 0.0254 / 8), new("volume", "cup", "US cup", 231 * 0.0254 * 0.0254 * 0.0254 / 16),
        new("volume", "floz", "US fluid ounce", 231 * 0.0254 * 0.0254 * 0.0254 / 128), new("volume", "tbsp", "US tablespoon", 231 * 0.0254 * 0.0254 * 0.0254 / 256),
        new("volume", "tsp", "US teaspoon", 231 * 0.0254 * 0.0254 * 0.0254 / 768), new("volume", "gal_uk", "imperial gallon", 0.00454609),
        new("volume", "pt_uk", "imperial pint", 0.00454609 / 8),

        // Time, base second. Month and year are the Gregorian averages (365.2425 days).
        new("time", "s", "second", 1), new("time", "ms", "millisecond", 0.001), new("time", "us", "microsecond", 1e-6), new("time", "ns", "nanosecond", 1e-9),
        new("time", "min", "minute", 60), new("time", "h", "hour", 3600), new("time", "d", "day", 86_400), new("time", "wk", "week", 604_800),
        new("time", "mo", "month (average Gregorian)", 2_629_746), new("time", "yr", "year (average Gregorian)", 31_556_952),

        // Data size, base byte. kB, MB… are decimal (SI); KiB, MiB… binary (IEC 80000-13).
        new("data", "B", "byte", 1), new("data", "bit", "bit", 0.125), new("data", "kB", "kilobyte", 1e3), new("data", "MB", "megabyte", 1e6),
        new("data", "GB", "gigabyte", 1e9), new("data", "TB", "terabyte", 1e12), new("data", "PB", "petabyte", 1e15),
        new("data", "KiB", "kibibyte", 1024), new("data", "MiB", "mebibyte", 1024d * 1024), new("data", "GiB", "gibibyte", 1024d * 1024 * 1024),
        new("data", "TiB", "tebibyte", 1024d * 1024 * 1024 * 1024), new("data", "PiB", "pebibyte", 1024d * 1024 * 1024 * 1024 * 1024),
        new("data", "kbit", "kilobit", 125), new("data", "Mbit", "megabit", 125_000), new("data", "Gbit", "gigabit", 125_000_000),

        // Area, base square metre.
        new("area", "m2", "square metre", 1), new("area", "km2", "square kilometre", 1e6), new("area", "cm2", "square centimetre", 1e-4),
        new("area", "ha", "hectare", 10_000), new("area", "acre", "acre", 4046.8564224), new("area", "ft2", "square foot", 0.09290304),
        new("area", "in2", "square inch", 0.00064516), new("area", "mi2", "square mile", 2_589_988.110336),

        // Speed, base metre per second.
        new("speed", "m/s", "metre per second", 1), new("speed", "km/h", "kilometre per hour", 1000.0 / 3600), new("speed", "mph", "mile per hour", 1609.344 / 3600),
        new("speed", "kn", "knot", 1852.0 / 3600), new("speed", "ft/s", "foot per second", 0.3048),

        // Pressure, base pascal.
        new("pressure", "Pa", "pascal", 1), new("pressure", "kPa", "kilopascal", 1000), new("pressure", "MPa", "megapascal", 1e6), new("pressure", "bar", "bar", 100_000),
        new("pressure", "atm", "standard atmosphere", 101_325), new("pressure", "psi", "pound per square inch", 6894.757293168361), new("pressure", "mmHg", "millimetre of mercury", 133.322387415),

        // Energy, base joule.
        new("energy", "J", "joule", 1), new("energy", "kJ", "kilojoule", 1000), new("energy", "cal", "calorie (thermochemical)", 4.184), new("energy", "kcal", "kilocalorie", 4184),
        new("energy", "Wh", "watt-hour", 3600), new("energy", "kWh", "kilowatt-hour", 3.6e6), new("energy", "eV", "electronvolt", 1.602176634e-19), new("energy", "BTU", "British thermal unit (IT)", 1055.05585262),

        // Angle, base radian.
        new("angle", "rad", "radian", 1), new("angle", "deg", "degree", System.Math.PI / 180), new("angle", "grad", "gradian", System.Math.PI / 200),
        new("angle", "turn", "turn", 2 * System.Math.PI), new("angle", "arcmin", "arcminute", System.Math.PI / 10_800), new("angle", "arcsec", "arcsecond", System.Math.PI / 648_000),
    ];

    // Exact symbols first (case matters for data sizes: Mb vs MB is not accepted to avoid a silent 8x error), then aliases.
    private static readonly Dictionary<string, Unit> BySymbol = All.ToDictionary(u => u.Symbol, StringComparer.Ordinal);

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.OrdinalIgnoreCase)
    {
        ["meter"] = "m", ["meters"] = "m", ["metre"] = "m", ["metres"] = "m", ["kilometer"] = "km", ["kilometers"] = "km", ["centimeter"] = "cm",
        ["millimeter"] = "mm", ["micrometer"] = "um", ["µm"] = "um", ["nanometer"] = "nm", ["inch"] = "in", ["inches"] = "in", ["\""] = "in",
        ["foot"] = "ft", ["feet"] = "ft", ["'"] = "ft", ["yard"] = "yd", ["yards"] = "yd", ["mile"] = "mi", ["miles"] = "mi", ["nautical mile"] = "nmi",
        ["kilogram"] = "kg", ["kilograms"] = "kg", ["kgs"] = "kg", ["gram"] = "g", ["grams"] = "g", ["milligram"] = "mg", ["µg"] = "ug", ["mcg"] = "ug",
        ["tonne"] = "t", ["tonnes"] = "t", ["metric ton"] = "t", ["pound"] = "lb", ["pounds"] = "lb", ["lbs"] = "lb", ["ounce"] = "oz", ["ounces"] = "oz", ["stone"] = "st",
        ["kelvin"] = "K", ["celsius"] = "C", ["°c"] = "C", ["degc"] = "C", ["fahrenheit"] = "F", ["°f"] = "F", ["degf"] = "F", ["rankine"] = "R",
        ["liter"] = "l", ["liters"] = "l", ["litre"] = "l", ["litres"] = "l", ["L"] = "l", ["milliliter"] = "ml", ["mL"] = "ml", ["cc"] = "cm3", ["m³"] = "m3",
        ["gallon"] = "gal", ["gallons"] = "gal", ["quart"] = "qt", ["pint"] = "pt", ["cups"] = "cup", ["fl oz"] = "floz", ["tablespoon"] = "tbsp", ["teaspoon"] = "tsp",
        ["second"] = "s", ["seconds"] = "s", ["sec"] = "s", ["millisecond"] = "ms", ["minute"] = "min", ["minutes"] = "min", ["hour"] = "h", ["hours"] = "h", ["hr"] = "h",
        ["day"] = "d", ["days"] = "d", ["week"] = "wk", ["weeks"] = "wk", ["month"] = "mo", ["months"] = "mo", ["year"] = "yr", ["years"] = "yr", ["y"] = "yr",
        ["byte"] = "B", ["bytes"] = "B", ["bits"] = "bit", ["kilobyte"] = "kB", ["KB"] = "kB", ["megabyte"] = "MB", ["gigabyte"] = "GB", ["terabyte"] = "TB",
        ["kibibyte"] = "KiB", ["mebibyte"] = "MiB", ["gibibyte"] = "GiB", ["tebibyte"] = "TiB",
        ["m²"] = "m2", ["sqm"] = "m2", ["hectare"] = "ha", ["acres"] = "acre", ["sqft"] = "ft2", ["ft²"] = "ft2",
        ["kph"] = "km/h", ["kmh"] = "km/h", ["knot"] = "kn", ["knots"] = "kn", ["mps"] = "m/s",
        ["pascal"] = "Pa", ["atmosphere"] = "atm", ["joule"] = "J", ["calorie"] = "cal", ["kilocalorie"] = "kcal", ["Cal"] = "kcal",
        ["radian"] = "rad", ["radians"] = "rad", ["degree"] = "deg", ["degrees"] = "deg", ["°"] = "deg",
    };

    /// <summary>The categories, for error messages and docs.</summary>
    public static IEnumerable<IGrouping<string, Unit>> ByCategory => All.GroupBy(u => u.Category);

    /// <summary>Finds a unit by symbol or alias; null when unknown.</summary>
    public static Unit? Find(string name)
    {
        string key = name.Trim();
        if (BySymbol.TryGetValue(key, out var unit))
        {
            return unit;
        }

        if (Aliases.TryGetValue(key, out string? symbol))
        {
            return BySymbol[symbol];
        }

        // Fall back to a case-insensitive symbol only when exactly one unit answers to it.
        var matches = All.Where(u => u.Symbol.Equals(key, StringComparison.OrdinalIgnoreCase)).ToArray();
        return matches.Length == 1 ? matches[0] : null;
    }
}
