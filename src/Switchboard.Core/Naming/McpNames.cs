using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Switchboard.Naming;

/// <summary>
/// The naming rules for what the gateway exposes. Server names are lower-case words joined by single hyphens, so
/// they never contain the <see cref="Separator"/>; a namespaced name therefore splits unambiguously at its first
/// separator. Exposed tool and prompt names must match <c>^[a-zA-Z0-9_-]{1,64}$</c>, the subset every popular MCP
/// client accepts.
/// </summary>
public static partial class McpNames
{
    /// <summary>Joins a server name and a tool or prompt name on <c>/mcp</c>: <c>{server}__{tool}</c>.</summary>
    public const string Separator = "__";

    /// <summary>The longest tool or prompt name the gateway exposes.</summary>
    public const int MaxExposedNameLength = 64;

    /// <summary>The longest server name.</summary>
    public const int MaxServerNameLength = 32;

    /// <summary>Whether <paramref name="name"/> is a valid server name: <c>^[a-z0-9]+(-[a-z0-9]+)*$</c>, at most 32 characters.</summary>
    public static bool IsValidServerName([NotNullWhen(true)] string? name) =>
        name is { Length: > 0 and <= MaxServerNameLength } && ServerNamePattern().IsMatch(name);

    /// <summary>Whether <paramref name="name"/> can be exposed to clients as a tool or prompt name.</summary>
    public static bool IsValidExposedName([NotNullWhen(true)] string? name) =>
        name is not null && ExposedNamePattern().IsMatch(name);

    /// <summary>The name under which <paramref name="server"/>'s <paramref name="name"/> appears on the aggregated endpoint.</summary>
    public static string Namespaced(string server, string name) => string.Concat(server, Separator, name);

    /// <summary>Splits a namespaced name back into its server and the server's own name.</summary>
    public static bool TryParseNamespaced(string exposedName, [NotNullWhen(true)] out string? server, [NotNullWhen(true)] out string? name)
    {
        int index = exposedName.IndexOf(Separator, StringComparison.Ordinal);
        if (index <= 0 || index + Separator.Length >= exposedName.Length)
        {
            server = name = null;
            return false;
        }

        server = exposedName[..index];
        name = exposedName[(index + Separator.Length)..];
        return true;
    }

    [GeneratedRegex(@"^[a-z0-9]+(-[a-z0-9]+)*\z", RegexOptions.CultureInvariant)]
    private static partial Regex ServerNamePattern();

    [GeneratedRegex(@"^[a-zA-Z0-9_-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ExposedNamePattern();
}
