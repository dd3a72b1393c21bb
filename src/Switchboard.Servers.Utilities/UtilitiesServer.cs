using Switchboard.Registry;
using Switchboard.Tools;
using Switchboard.Servers.Utilities.Data;
using Switchboard.Servers.Utilities.Encoding;
using Switchboard.Servers.Utilities.Identifiers;
using Switchboard.Servers.Utilities.Math;
using Switchboard.Servers.Utilities.Text;
using Switchboard.Servers.Utilities.Time;

namespace Switchboard.Servers.Utilities;

/// <summary>
/// The built-in <c>utilities</c> server: the everyday toolbox an agent reaches for — identifiers, encodings and
/// hashes, JSON/YAML/CSV, diffs and regular expressions, time zones and cron, safe arithmetic, units, statistics
/// and text. Every tool is pure computation with bounded input and time; none touches the network or the disk.
/// </summary>
public static class UtilitiesServer
{
    /// <summary>The server's registry name.</summary>
    public const string Name = "utilities";

    /// <summary>Creates the catalog on the system clock.</summary>
    public static McpServerCatalog CreateCatalog() => CreateCatalog(TimeProvider.System);

    /// <summary>Creates the catalog on <paramref name="timeProvider"/>, which "now", UUIDv7 and ULID read.</summary>
    public static McpServerCatalog CreateCatalog(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        RegexDefaults.Apply(); // in effect only where no Regex was built yet; the executable applies it first thing

        var catalog = new McpServerCatalog(
            Name,
            "Everyday tools with no network access: UUID/ULID, hashes, HMAC, encodings, JSONPath, JSON Schema, JSON/YAML/CSV, diff, regex, time zones, cron, arithmetic, units, statistics, text.")
        {
            SelfContained = true,
        };
        catalog
            .AddPrimitivesFrom(new IdentifierTools(timeProvider))
            .AddPrimitivesFrom(typeof(HashTools), target: null)
            .AddPrimitivesFrom(typeof(EncodingTools), target: null)
            .AddPrimitivesFrom(typeof(JsonTools), target: null)
            .AddPrimitivesFrom(typeof(ConvertTools), target: null)
            .AddPrimitivesFrom(typeof(DiffTools), target: null)
            .AddPrimitivesFrom(typeof(RegexTools), target: null)
            .AddPrimitivesFrom(new TimeTools(timeProvider))
            .AddPrimitivesFrom(typeof(BusinessDayTools), target: null)
            .AddPrimitivesFrom(new CronTools(timeProvider))
            .AddPrimitivesFrom(typeof(ExpressionTools), target: null)
            .AddPrimitivesFrom(typeof(UnitTools), target: null)
            .AddPrimitivesFrom(typeof(StatisticsTools), target: null)
            .AddPrimitivesFrom(typeof(TextTools), target: null)
            .WithArgumentChecks();
        return catalog;
    }
}
