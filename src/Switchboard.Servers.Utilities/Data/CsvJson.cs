using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using CsvHelper.Configuration;
using Switchboard.Tools;

namespace Switchboard.Servers.Utilities.Data;

/// <summary>CSV (RFC 4180) ⇄ JSON arrays of objects, on CsvHelper's parser and writer.</summary>
internal static class CsvJson
{
    /// <summary>Reads CSV whose first record is the header into an array of objects keyed by the header names.</summary>
    public static JsonArray Read(string csv, string delimiter, bool inferTypes, CancellationToken cancellationToken)
    {
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { Delimiter = delimiter, DetectColumnCountChanges = false, BadDataFound = null };
        using var parser = new CsvParser(new StringReader(csv), config);
        var rows = new JsonArray();
        string[]? header = null;
        try
        {
            while (parser.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                string[] record = parser.Record ?? [];
                if (header is null)
                {
                    header = record;
                    var duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
                    if (duplicate is not null)
                    {
                        ToolError.Throw($"The CSV header names column '{duplicate.Key}' more than once; column names must be unique.");
                    }

                    continue;
                }

                if (record.Length != header.Length)
                {
                    ToolError.Throw($"CSV row {parser.Row} has {record.Length} fields but the header has {header.Length}. Quote fields that contain the delimiter.");
                }

                var row = new JsonObject();
                for (int i = 0; i < header.Length; i++)
                {
                    row[header[i]] = inferTypes ? Infer(record[i]) : JsonValue.Create(record[i]);
                }

                rows.Add(row);
            }
        }
        catch (CsvHelperException ex)
        {
            ToolError.Throw($"'input' is not valid CSV near row {parser.Row}: {ex.Message.Split('\n')[0]}");
        }

        return header is null ? ToolError.Throw<JsonArray>("'input' holds no CSV: the first line must be a header row.") : rows;
    }

    /// <summary>Writes an array of objects as CSV; the header is the union of their keys in first-seen order.</summary>
    public static string Write(JsonNode? node, string delimiter)
    {
        if (node is not JsonArray array || array.Any(item => item is not JsonObject))
        {
            return ToolError.Throw<string>("Only a JSON array of objects converts to CSV, e.g. [{\"name\":\"a\",\"n\":1}]: each object is a row, each key a column.");
        }

        var columns = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in array.Cast<JsonObject>())
        {
            foreach (var (key, _) in row)
            {
                if (seen.Add(key))
                {
                    columns.Add(key);
                }
            }
        }

        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var config = new CsvConfiguration(CultureInfo.InvariantCulture) { Delimiter = delimiter, NewLine = "\n" };
        using (var csv = new CsvWriter(writer, config))
        {
            foreach (string column in columns)
            {
                csv.WriteField(column);
            }

            csv.NextRecord();
            foreach (var row in array.Cast<JsonObject>())
            {
                foreach (string column in columns)
                {
                    csv.WriteField(row.TryGetPropertyValue(column, out var value) ? Cell(value) : string.Empty);
                }

                csv.NextRecord();
            }
        }

        return writer.ToString();
    }

    private static string Cell(JsonNode? value) => value switch
    {
        null => string.Empty,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        // Nested objects and arrays keep their JSON text in one cell.
        _ => value.ToJsonString(ToolJson.Options),
    };

    private static JsonNode? Infer(string field)
    {
        if (field is "true" or "false")
        {
            return JsonValue.Create(field == "true");
        }

        // Numbers only when they read back the same: "007" and "1e5" stay strings (identifiers, codes).
        if (long.TryParse(field, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long integer)
            && integer.ToString(CultureInfo.InvariantCulture) == field)
        {
            return JsonValue.Create(integer);
        }

        if (decimal.TryParse(field, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal number)
            && field.Contains('.', StringComparison.Ordinal) && !field.EndsWith('.') && !field.StartsWith('.') && !field.StartsWith("-.", StringComparison.Ordinal)
            && !(field.TrimStart('-').StartsWith('0') && !field.TrimStart('-').StartsWith("0.", StringComparison.Ordinal)))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(field);
    }
}
