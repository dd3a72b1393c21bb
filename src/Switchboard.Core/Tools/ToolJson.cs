using System.Text.Encodings.Web;
using System.Text.Json;
using ModelContextProtocol;

namespace Switchboard.Tools;

/// <summary>
/// JSON written for a model to read: the SDK's defaults (camelCase, nulls left out), but with non-ASCII letters and
/// <c>+ &lt; &gt; &amp; '</c> left as they are, as <c>JSON.stringify</c> leaves them. The default encoder writes
/// <c>\u002B</c> for <c>+</c>, which a model sees literally in a tool's text; nothing here ends up in HTML.
/// </summary>
public static class ToolJson
{
    /// <summary>Compact: what the SDK serializes a tool's, prompt's or resource's return value with.</summary>
    public static JsonSerializerOptions Options { get; } = ReadOnly(new(McpJsonUtilities.DefaultOptions) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>Indented by two spaces with <c>\n</c> line ends, as <c>JSON.stringify(value, null, 2)</c> writes.</summary>
    public static JsonSerializerOptions Indented { get; } = ReadOnly(new(Options) { WriteIndented = true, NewLine = "\n" });

    private static JsonSerializerOptions ReadOnly(JsonSerializerOptions options)
    {
        options.MakeReadOnly();
        return options;
    }
}
