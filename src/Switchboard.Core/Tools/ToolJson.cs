using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;
using ModelContextProtocol;

namespace Switchboard.Tools;

/// <summary>
/// JSON written for a model to read: the SDK's defaults (camelCase, nulls left out), but with non-ASCII letters and
/// <c>+ &lt; &gt; &amp; '</c> left as they are, as <c>JSON.stringify</c> leaves them. The default encoder writes
/// <c>\u002B</c> for <c>+</c>, which a model sees literally in a tool's text; nothing here ends up in HTML.
/// </summary>
public static class ToolJson
{
    // The largest magnitude a decimal takes here: decimal.MaxValue (about 7.92e28) rounded down, so that every double
    // at or inside it is a decimal too.
    private const double DecimalLimit = 7.9e28;

    /// <summary>Compact: what the SDK serializes a tool's, prompt's or resource's return value with.</summary>
    public static JsonSerializerOptions Options { get; } = ReadOnly(new(McpJsonUtilities.DefaultOptions) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Indented by two spaces with <c>\n</c> line ends, as <c>JSON.stringify(value, null, 2)</c> writes.</summary>
    public static JsonSerializerOptions Indented { get; } = ReadOnly(new(Options) { WriteIndented = true, NewLine = "\n" });

    /// <summary>
    /// How the schemas of built-in tools are made: as the SDK makes them, but with the range of a <see cref="decimal"/>
    /// (±7.9e28) as its <c>minimum</c> and <c>maximum</c>. A JSON number beyond it cannot be bound to a decimal
    /// argument (the SDK answered a bare "An error occurred invoking …"); in the schema, the argument check names the
    /// argument and its limit (<see cref="ArgumentCheckingTool"/>), and the model sees the limit before it calls.
    /// </summary>
    public static AIJsonSchemaCreateOptions SchemaOptions { get; } = new() { TransformSchemaNode = BoundDecimals };

    private static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly();
        return options;
    }

    private static JsonNode BoundDecimals(AIJsonSchemaCreateContext context, JsonNode schema)
    {
        var type = context.TypeInfo.Type;
        if ((Nullable.GetUnderlyingType(type) ?? type) == typeof(decimal) && schema is JsonObject bounded)
        {
            bounded.TryAdd("minimum", -DecimalLimit);
            bounded.TryAdd("maximum", DecimalLimit);
        }

        return schema;
    }
}
