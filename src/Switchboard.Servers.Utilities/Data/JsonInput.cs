using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Servers.Utilities.Data;

/// <summary>Parses JSON from tool arguments within the size and depth limits, with errors that point at the fault.</summary>
internal static class JsonInput
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = Limits.MaxDepth,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    /// <summary>The JSON in <paramref name="text"/>, or a tool error naming <paramref name="parameter"/>.</summary>
    public static JsonNode? ParseNode(string? text, string parameter)
    {
        Limits.RequireLength(text, parameter);
        try
        {
            return JsonNode.Parse(text!, documentOptions: DocumentOptions);
        }
        catch (JsonException ex)
        {
            return ToolError.Throw<JsonNode?>(Describe(ex, parameter));
        }
    }

    /// <summary>The JSON in <paramref name="text"/> as a detached element, or a tool error naming <paramref name="parameter"/>.</summary>
    public static JsonElement ParseElement(string? text, string parameter)
    {
        Limits.RequireLength(text, parameter);
        try
        {
            using var document = JsonDocument.Parse(text!, DocumentOptions);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return ToolError.Throw<JsonElement>(Describe(ex, parameter));
        }
    }

    private static string Describe(JsonException ex, string parameter)
    {
        string where = ex.LineNumber is { } line ? $" at line {line + 1}, position {ex.BytePositionInLine + 1}" : string.Empty;
        string hint = ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
            ? $" Documents may nest at most {Limits.MaxDepth} levels."
            : string.Empty;
        return $"'{parameter}' is not valid JSON{where}: {FirstSentence(ex.Message)}{hint}";
    }

    private static string FirstSentence(string message)
    {
        // System.Text.Json appends "Path: $ | LineNumber: … | BytePositionInLine: …", which the location above already says.
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }
}
