using System.Globalization;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Tools;

/// <summary>
/// Checks a call's arguments against the tool's own input schema before the SDK binds them. The SDK reports a
/// binding failure (a missing argument, a string where a number belongs, an unknown enum value, a malformed date)
/// as a bare "An error occurred invoking …"; this names the argument, what it must be, and its description, so the
/// model can correct the call. Built-in servers wrap every tool in it (<see cref="ArgumentChecks.WithArgumentChecks"/>).
/// </summary>
public sealed class ArgumentCheckingTool(McpServerTool innerTool) : DelegatingMcpServerTool(innerTool)
{
    /// <inheritdoc />
    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = Check(ProtocolTool.InputSchema, request.Params?.Arguments);
        if (problems.Count > 0)
        {
            return ValueTask.FromResult(new CallToolResult
            {
                IsError = true,
                Content = [new TextContentBlock { Text = $"Invalid arguments for '{ProtocolTool.Name}': {string.Join(" ", problems)}" }],
            });
        }

        return base.InvokeAsync(request, cancellationToken);
    }

    internal static List<string> Check(JsonElement schema, IDictionary<string, JsonElement>? arguments)
    {
        var problems = new List<string>();
        arguments ??= new Dictionary<string, JsonElement>();
        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return problems;
        }

        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var name in required.EnumerateArray().Select(r => r.GetString()!))
            {
                if (!arguments.TryGetValue(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    problems.Add($"'{name}' is required ({DescribeArgument(properties.GetProperty(name))}).");
                }
            }
        }

        foreach (var (name, value) in arguments)
        {
            if (!properties.TryGetProperty(name, out var property))
            {
                var known = properties.EnumerateObject().Select(p => p.Name);
                problems.Add($"'{name}' is not an argument of this tool; its arguments are {string.Join(", ", known)}.");
                continue;
            }

            string? problem = CheckValue(property, value);
            if (problem is not null)
            {
                problems.Add($"'{name}' {problem} ({DescribeArgument(property)}).");
            }
        }

        return problems;
    }

    private static string? CheckValue(JsonElement property, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return AllowsNull(property) ? null : "must not be null";
        }

        if (property.TryGetProperty("enum", out var allowed))
        {
            // The SDK binds a C# enum from its integer value as well as its name; the tool checks the number's range.
            if (value.ValueKind == JsonValueKind.Number)
            {
                return null;
            }

            var names = allowed.EnumerateArray().Select(a => a.GetString()).ToArray();
            return value.ValueKind == JsonValueKind.String && names.Contains(value.GetString(), StringComparer.Ordinal)
                ? null
                : $"must be one of {string.Join(", ", names.Select(n => $"'{n}'"))}; got {value.GetRawText()}";
        }

        string[] types = TypesOf(property);
        if (types.Length == 0)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && (types.Contains("number") || types.Contains("integer")))
        {
            if (types.Contains("integer") && !types.Contains("number") && !value.TryGetInt64(out _))
            {
                return $"must be a whole number; got {value.GetRawText()}";
            }

            double number = value.GetDouble();
            if (property.TryGetProperty("minimum", out var minimum) && number < minimum.GetDouble())
            {
                return $"must be at least {minimum.GetDouble().ToString(CultureInfo.InvariantCulture)}; got {value.GetRawText()}";
            }

            if (property.TryGetProperty("maximum", out var maximum) && number > maximum.GetDouble())
            {
                return $"must be at most {maximum.GetDouble().ToString(CultureInfo.InvariantCulture)}; got {value.GetRawText()}";
            }

            return null;
        }

        if (value.ValueKind == JsonValueKind.String && types.Contains("string"))
        {
            bool isDate = property.TryGetProperty("format", out var format) && format.GetString() == "date";
            return isDate && !DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                ? $"must be a calendar date written yyyy-MM-dd; got {value.GetRawText()}"
                : null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False && types.Contains("boolean"))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Array && types.Contains("array"))
        {
            if (property.TryGetProperty("minItems", out var minItems) && value.GetArrayLength() < minItems.GetInt32())
            {
                return $"needs at least {minItems.GetInt32()} items; got {value.GetArrayLength()}";
            }

            if (property.TryGetProperty("items", out var items))
            {
                int index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    string? problem = CheckValue(items, item);
                    if (problem is not null)
                    {
                        return $"item {index} {problem}";
                    }

                    index++;
                }
            }

            return null;
        }

        if (value.ValueKind == JsonValueKind.Object && types.Contains("object"))
        {
            var nested = Check(property, value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value));
            return nested.Count == 0 ? null : string.Join(" ", nested);
        }

        return $"must be {string.Join(" or ", types.Where(t => t != "null").Select(WithArticle))}; got {Describe(value)}";
    }

    private static string WithArticle(string type) => type is "integer" or "array" or "object" ? $"an {type}" : $"a {type}";

    private static string Describe(JsonElement value)
    {
        string raw = value.GetRawText();
        raw = raw.Length <= 40 ? raw : raw[..40] + "…";
        return value.ValueKind switch
        {
            JsonValueKind.String => $"the string {raw}",
            JsonValueKind.Number => $"the number {raw}",
            JsonValueKind.True or JsonValueKind.False => $"the boolean {raw}",
            JsonValueKind.Array => "an array",
            JsonValueKind.Object => "an object",
            _ => raw,
        };
    }

    private static string[] TypesOf(JsonElement property) =>
        !property.TryGetProperty("type", out var type) ? []
        : type.ValueKind == JsonValueKind.Array ? [.. type.EnumerateArray().Select(t => t.GetString()!)]
        : [type.GetString()!];

    private static bool AllowsNull(JsonElement property) =>
        TypesOf(property).Contains("null") || (property.TryGetProperty("default", out var d) && d.ValueKind == JsonValueKind.Null);

    private static string DescribeArgument(JsonElement property) =>
        property.TryGetProperty("description", out var description) ? description.GetString()!.TrimEnd('.') : "see the tool's input schema";
}
