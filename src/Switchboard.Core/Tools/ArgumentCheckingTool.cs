using System.Globalization;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Tools;

/// <summary>
/// Checks a call's arguments against the tool's own input schema before the SDK binds them. The SDK reports a
/// binding failure (a missing argument, a string where a number belongs, an unknown enum value, a malformed date)
/// as a bare "An error occurred invoking …"; this names the argument, what it must be, and its description, so the
/// model can correct the call. A result the serializer cannot write, infinity or NaN, is answered as a tool error that
/// says so. Built-in servers wrap every tool in it (<see cref="ArgumentChecks.WithArgumentChecks"/>).
/// </summary>
public sealed class ArgumentCheckingTool(McpServerTool innerTool) : DelegatingMcpServerTool(innerTool)
{
    // What the serializer throws for a double that is infinite or NaN, read from it rather than copied, so that only
    // that exception is caught (the same for either value, and in the runtime's language).
    private static readonly string NotFiniteMessage = NotFiniteWriteMessage();

    /// <inheritdoc />
    public override ValueTask<CallToolResult> InvokeAsync(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = Check(ProtocolTool.InputSchema, request.Params?.Arguments);
        if (problems is not null)
        {
            return ValueTask.FromResult(new CallToolResult
            {
                IsError = true,
                Content = [new TextContentBlock { Text = $"Invalid arguments for '{ProtocolTool.Name}': {string.Join(" ", problems)}" }],
            });
        }

        var invocation = base.InvokeAsync(request, cancellationToken);
        return invocation.IsCompletedSuccessfully ? invocation : AnswerToolErrorsAsync(invocation, request);
    }

    // A tool throws McpException to refuse what it was given (an unknown time zone, a date out of range): the caller's
    // mistake, answered with the SDK's own words for it. Left to the SDK, the same answer would also be logged at Error
    // with a stack trace, so any caller could fill the error log, and counted as a failed call against availability.
    private static async ValueTask<CallToolResult> AnswerToolErrorsAsync(ValueTask<CallToolResult> invocation, RequestContext<CallToolRequestParams> request)
    {
        try
        {
            return await invocation;
        }
        catch (McpException e) when (e is not McpProtocolException)
        {
            return Refusal(request, e.Message);
        }
        catch (ArgumentException e) when (e.Message == NotFiniteMessage)
        {
            // A result of infinity or NaN (an overflow, 0/0), which JSON has no number for: the serializer refused to
            // write it, and the SDK would answer a bare "An error occurred invoking …".
            return Refusal(request, "The result is not a finite number: a step in computing it overflowed past ±1.8e308 or was undefined (as 0/0 is). Use inputs of a smaller magnitude, or check that they are what you meant.");
        }
    }

    private static CallToolResult Refusal(RequestContext<CallToolRequestParams> request, string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = $"An error occurred invoking '{request.Params?.Name}': {message}" }],
    };

    private static string NotFiniteWriteMessage()
    {
        try
        {
            JsonSerializer.Serialize(double.PositiveInfinity, ToolJson.Options);
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }

        throw new InvalidOperationException("The serializer wrote infinity as a JSON number.");
    }

    /// <summary>What is wrong with <paramref name="arguments"/>, one sentence each; null when nothing is (every valid call: no list is made).</summary>
    internal static List<string>? Check(JsonElement schema, IDictionary<string, JsonElement>? arguments)
    {
        List<string>? problems = null;
        if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return problems;
        }

        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in required.EnumerateArray())
            {
                string name = entry.GetString()!;
                if (arguments is null || !arguments.TryGetValue(name, out var value) || value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
                {
                    (problems ??= []).Add($"'{name}' is required ({DescribeArgument(properties.GetProperty(name))}).");
                }
            }
        }

        if (arguments is Dictionary<string, JsonElement> dictionary)
        {
            foreach (var (name, value) in dictionary) // the SDK's own type: its enumerator is not boxed
            {
                CheckArgument(properties, name, value, ref problems);
            }
        }
        else if (arguments is not null)
        {
            foreach (var (name, value) in arguments)
            {
                CheckArgument(properties, name, value, ref problems);
            }
        }

        return problems;
    }

    private static void CheckArgument(JsonElement properties, string name, JsonElement value, ref List<string>? problems)
    {
        if (!properties.TryGetProperty(name, out var property))
        {
            var known = properties.EnumerateObject().Select(p => p.Name);
            (problems ??= []).Add($"'{name}' is not an argument of this tool; its arguments are {string.Join(", ", known)}.");
            return;
        }

        string? problem = CheckValue(property, value);
        if (problem is not null)
        {
            (problems ??= []).Add($"'{name}' {problem} ({DescribeArgument(property)}).");
        }
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
            // A number that is no 32-bit integer (1.5, 1e308) it cannot bind at all: that would be a bare error.
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out _))
            {
                return null;
            }

            var names = allowed.EnumerateArray().Select(a => a.GetString()).ToArray();
            return value.ValueKind == JsonValueKind.String && names.Contains(value.GetString(), StringComparer.Ordinal)
                ? null
                : $"must be one of {string.Join(", ", names.Select(n => $"'{n}'"))}; got {value.GetRawText()}";
        }

        var types = TypeFlagsOf(property);
        if (types == JsonTypes.None)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number && (types & (JsonTypes.Number | JsonTypes.Integer)) != 0)
        {
            if (!value.TryGetDouble(out double number))
            {
                return $"is out of range; got {value.GetRawText()}";
            }

            // 1e308 is a whole number, just too large for the tool's integer: "out of range" below, after any declared bound.
            bool wholeNumberOnly = (types & (JsonTypes.Number | JsonTypes.Integer)) == JsonTypes.Integer;
            bool fitsInteger = !wholeNumberOnly || value.TryGetInt64(out _);
            if (!fitsInteger && (!double.IsInteger(number) || Math.Abs(number) < long.MaxValue))
            {
                return $"must be a whole number; got {value.GetRawText()}";
            }

            if (property.TryGetProperty("minimum", out var minimum) && number < minimum.GetDouble())
            {
                return $"must be at least {minimum.GetDouble().ToString(CultureInfo.InvariantCulture)}; got {value.GetRawText()}";
            }

            if (property.TryGetProperty("maximum", out var maximum) && number > maximum.GetDouble())
            {
                return $"must be at most {maximum.GetDouble().ToString(CultureInfo.InvariantCulture)}; got {value.GetRawText()}";
            }

            return !fitsInteger ? $"is out of range; got {value.GetRawText()}" : null;
        }

        if (value.ValueKind == JsonValueKind.String && types.HasFlag(JsonTypes.String))
        {
            bool isDate = property.TryGetProperty("format", out var format) && format.ValueKind != JsonValueKind.Null && format.ValueEquals("date");
            return isDate && !DateOnly.TryParseExact(value.GetString(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _)
                ? $"must be a calendar date written yyyy-MM-dd; got {value.GetRawText()}"
                : null;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False && types.HasFlag(JsonTypes.Boolean))
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Array && types.HasFlag(JsonTypes.Array))
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

        if (value.ValueKind == JsonValueKind.Object && types.HasFlag(JsonTypes.Object))
        {
            var nested = Check(property, value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value));
            return nested is null ? null : string.Join(" ", nested);
        }

        return $"must be {string.Join(" or ", TypesOf(property).Where(t => t != "null").Select(WithArticle))}; got {Describe(value)}";
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

    // The schema's "type" as flags, read without a string: checked on every argument of every call.
    private static JsonTypes TypeFlagsOf(JsonElement property)
    {
        if (!property.TryGetProperty("type", out var type))
        {
            return JsonTypes.None;
        }

        if (type.ValueKind != JsonValueKind.Array)
        {
            return FlagOf(type);
        }

        var flags = JsonTypes.None;
        foreach (var entry in type.EnumerateArray())
        {
            flags |= FlagOf(entry);
        }

        return flags;
    }

    private static JsonTypes FlagOf(JsonElement type) =>
        type.ValueKind == JsonValueKind.Null ? JsonTypes.Other // as TypesOf reads it: a null name, which matches none
        : type.ValueEquals("string") ? JsonTypes.String
        : type.ValueEquals("number") ? JsonTypes.Number
        : type.ValueEquals("integer") ? JsonTypes.Integer
        : type.ValueEquals("boolean") ? JsonTypes.Boolean
        : type.ValueEquals("array") ? JsonTypes.Array
        : type.ValueEquals("object") ? JsonTypes.Object
        : type.ValueEquals("null") ? JsonTypes.Null
        : JsonTypes.Other;

    private static bool AllowsNull(JsonElement property) =>
        TypeFlagsOf(property).HasFlag(JsonTypes.Null) || (property.TryGetProperty("default", out var d) && d.ValueKind == JsonValueKind.Null);

    private static string DescribeArgument(JsonElement property) =>
        property.TryGetProperty("description", out var description) ? description.GetString()!.TrimEnd('.') : "see the tool's input schema";

    [Flags]
    private enum JsonTypes
    {
        None = 0,
        Null = 1,
        String = 2,
        Number = 4,
        Integer = 8,
        Boolean = 16,
        Array = 32,
        Object = 64,
        Other = 128, // a name this check does not know: any value of another kind is refused
    }
}
