using System.Text.RegularExpressions;

namespace Switchboard.Host.Commands;

/// <summary>
/// Says in an operator's terms what a setting of the wrong type should be. The configuration binder reports only
/// "Failed to convert configuration value 'Sometimes' at 'Gateway:Sessions' to type 'Switchboard.Gateway.GatewaySessionMode'".
/// </summary>
internal static partial class ConfigurationErrors
{
    /// <summary>The operator's message for a binder failure, or null when <paramref name="exception"/> is not one.</summary>
    public static string? Explain(Exception exception)
    {
        var match = FailedConversion().Match(exception.Message);
        if (!match.Success)
        {
            return null;
        }

        var type = FindType(match.Groups["type"].Value);
        return $"{match.Groups["key"].Value} is '{match.Groups["value"].Value}'; set it to {Expected(type)}.";
    }

    private static string Expected(Type? type) => type switch
    {
        { IsEnum: true } => $"one of: {string.Join(", ", Enum.GetNames(type))}",
        _ when type == typeof(bool) => "true or false",
        _ when type == typeof(TimeSpan) => "a duration such as 00:00:30 (hh:mm:ss) or 1.00:00:00 (one day)",
        _ when type == typeof(int) || type == typeof(long) => "a whole number",
        _ when type == typeof(double) || type == typeof(decimal) => "a number such as 1.5",
        _ when type == typeof(Uri) => "an absolute URL such as https://example.com/",
        _ => $"a value of type {type?.Name ?? "unknown"}",
    };

    private static Type? FindType(string name)
    {
        var type = AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(name)).FirstOrDefault(t => t is not null);
        return type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
    }

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']+)' to type '(?<type>[^']+)'", RegexOptions.Singleline)]
    private static partial Regex FailedConversion();
}
