using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using ModelContextProtocol.Server;
using Switchboard.Tools;

namespace Switchboard.Servers.Utilities.Data;

/// <summary>Data formats the convert tool reads and writes.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DataFormat>))]
internal enum DataFormat
{
    [JsonStringEnumMemberName("json")] Json,
    [JsonStringEnumMemberName("yaml")] Yaml,
    [JsonStringEnumMemberName("csv")] Csv,
}

/// <summary>JSON ⇄ YAML ⇄ CSV conversion.</summary>
[McpServerToolType]
internal static class ConvertTools
{
    [McpServerTool(Name = "data_convert", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false)]
    [Description("Converts between JSON, YAML and CSV and returns the converted text. YAML is read as one YAML 1.2 document (core schema: unquoted true/false/null/numbers are typed, quoted values are strings; anchors and aliases are expanded) and written in block style. CSV (RFC 4180) is read with its first row as the header into an array of objects, and written from an array of objects (columns = union of keys in first-seen order; nested values as JSON text). Also pretty-prints JSON (json to json).")]
    public static async Task<string> Convert(
        [Description("The document to convert. At most 1 MiB, 64 levels deep.")] string input,
        [Description("Format of 'input': json, yaml or csv.")] DataFormat from,
        [Description("Format to produce: json, yaml or csv.")] DataFormat to,
        [Description("CSV field delimiter, one character: ',' (default), ';', '\\t' or '|'.")] string csvDelimiter = ",",
        [Description("Reading CSV: turn true/false and plain numbers (no leading zeros) into JSON booleans and numbers. Default true; false keeps every field a string.")] bool inferTypes = true,
        CancellationToken cancellationToken = default)
    {
        Limits.RequireLength(input, nameof(input));
        Limits.RequireMember(from, nameof(from));
        Limits.RequireMember(to, nameof(to));
        if (csvDelimiter is not { Length: 1 } || csvDelimiter[0] is '"' or '\r' or '\n')
        {
            ToolError.Throw("'csvDelimiter' must be a single character other than a quote or a line break, e.g. \",\" or \";\".");
        }

        return await Bounded.RunAsync(
            token =>
            {
                JsonNode? document = from switch
                {
                    DataFormat.Json => JsonInput.ParseNode(input, nameof(input)),
                    DataFormat.Yaml => YamlJson.Read(input, token),
                    DataFormat.Csv => CsvJson.Read(input, csvDelimiter, inferTypes, token),
                    _ => throw new UnreachableException(),
                };

                return to switch
                {
                    DataFormat.Json => document?.ToJsonString(ToolJson.Indented) ?? "null",
                    DataFormat.Yaml => YamlJson.Write(document),
                    DataFormat.Csv => CsvJson.Write(document, csvDelimiter),
                    _ => throw new UnreachableException(),
                };
            },
            "The conversion",
            cancellationToken);
    }
}
