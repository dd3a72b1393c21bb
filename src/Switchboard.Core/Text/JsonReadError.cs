using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Switchboard.Text;

/// <summary>
/// Says in a client's words what is wrong with JSON that is well formed but does not fit the type it is read as: an
/// unknown member, or a value of the wrong type, named by its path. System.Text.Json's own messages name .NET types
/// (<c>System.Collections.Generic.IReadOnlyList`1[System.String]</c>) or only the outer type, neither of which tells a
/// client what to send.
/// </summary>
public static class JsonReadError
{
    /// <summary>
    /// What <paramref name="error"/>, thrown reading well-formed JSON as <paramref name="root"/>'s type, means, e.g.
    /// <c>'lifetimeSeconds' must be a whole number.</c> or <c>'role' is not a member here; the members are: roles, lifetimeSeconds.</c>
    /// </summary>
    public static string Describe(JsonException error, JsonTypeInfo root)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(root);
        var info = root;
        var path = new StringBuilder();
        foreach (string segment in Segments(error.Path))
        {
            if (IsAny(info.Type))
            {
                break; // any JSON is taken below here; what failed is not a matter of type
            }

            string shown = path.Length == 0 ? segment : segment.StartsWith('[') ? $"{path}{segment}" : $"{path}.{segment}";
            JsonTypeInfo? next = info.Kind switch
            {
                JsonTypeInfoKind.Enumerable when segment.StartsWith('[') => Element(info),
                JsonTypeInfoKind.Dictionary => Element(info),
                JsonTypeInfoKind.Object => Member(info, segment),
                _ => null,
            };
            if (next is null)
            {
                return info.Kind == JsonTypeInfoKind.Object
                    ? $"'{shown}' is not a member {(path.Length == 0 ? "of this request" : $"of '{path}'")}; the members are: {string.Join(", ", info.Properties.Select(p => p.Name))}."
                    : $"'{path}' must be {Expected(info)}.";
            }

            path.Clear().Append(shown);
            info = next;
        }

        return path.Length == 0 ? $"The body must be {Expected(info)}." : $"'{path}' must be {Expected(info)}.";
    }

    /// <summary>The type a value must have, in plain words.</summary>
    public static string Expected(JsonTypeInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var type = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        return type switch
        {
            _ when type == typeof(string) => "a string",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) || type == typeof(short) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) || type == typeof(decimal) => "a number",
            _ when type == typeof(DateTimeOffset) || type == typeof(DateTime) => "a date and time such as \"2026-12-01T00:00:00Z\"",
            _ when type == typeof(TimeSpan) => "a duration such as \"00:00:30\" (hours:minutes:seconds)",
            _ when type == typeof(Uri) => "a URL (a string)",
            _ when type.IsEnum => $"one of {string.Join(", ", EnumNames(type).Select(n => $"\"{n}\""))}",
            _ when type == typeof(JsonArray) => "a JSON array",
            _ when type == typeof(JsonObject) => "a JSON object",
            _ => info.Kind switch
            {
                JsonTypeInfoKind.Enumerable => Element(info) is not { } item ? "a list" : item.Type == typeof(string) ? "a list of strings" : $"a list, each item {Expected(item)}",
                JsonTypeInfoKind.Dictionary => Element(info) is { } value ? $"an object whose values are each {Expected(value)}" : "an object",
                JsonTypeInfoKind.Object => $"an object with the members {string.Join(", ", info.Properties.Select(p => p.Name))}",
                _ => "a JSON value",
            },
        };
    }

    // JSON nodes take any member and any value below them.
    private static bool IsAny(Type type) => typeof(JsonNode).IsAssignableFrom(type) || type == typeof(JsonElement) || type == typeof(JsonElement?);

    private static JsonTypeInfo? Element(JsonTypeInfo info) => info.ElementType is { } element ? info.Options.GetTypeInfo(element) : null;

    private static JsonTypeInfo? Member(JsonTypeInfo info, string name)
    {
        var comparison = info.Options.PropertyNameCaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return info.Properties.FirstOrDefault(p => p.Name.Equals(name, comparison)) is { } property ? info.Options.GetTypeInfo(property.PropertyType) : null;
    }

    private static IEnumerable<string> EnumNames(Type type) =>
        type.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? f.Name);

    /// <summary>The members and indexes of a System.Text.Json path: <c>$.a[0]['b.c']</c> → <c>a</c>, <c>[0]</c>, <c>b.c</c>.</summary>
    private static IEnumerable<string> Segments(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            yield break;
        }

        int i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                int end = path.IndexOfAny(['.', '['], i + 1);
                end = end < 0 ? path.Length : end;
                yield return path[(i + 1)..end];
                i = end;
            }
            else if (path.AsSpan(i).StartsWith("['"))
            {
                int end = path.IndexOf("']", i + 2, StringComparison.Ordinal);
                end = end < 0 ? path.Length : end;
                yield return path[(i + 2)..end];
                i = end + 2;
            }
            else
            {
                int end = path.IndexOf(']', i);
                end = end < 0 ? path.Length - 1 : end;
                yield return path[i..(end + 1)];
                i = end + 1;
            }
        }
    }
}
