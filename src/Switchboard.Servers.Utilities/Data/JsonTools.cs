using System.ComponentModel;
using System.Text.Json;
using Json.Schema;
using ModelContextProtocol.Server;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Switchboard.Servers.Utilities.Data;

/// <summary>JSONPath queries and JSON Schema validation.</summary>
[McpServerToolType]
internal static class JsonTools
{
    // The answer's JSON-RPC envelope puts each value 5 levels deep ({ result: { structuredContent: { matches: [ { value),
    // and the SDK writes at most 64 levels.
    private static readonly JsonDocumentOptions MatchOptions = new() { MaxDepth = Limits.MaxDepth - 5 };

    private static readonly TimeSpan FilterRegexTimeout = TimeSpan.FromMilliseconds(Limits.DefaultRegexTimeoutMs);

    [McpServerTool(Name = "json_query", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Selects values from a JSON document with a JSONPath expression (Goessner syntax as implemented by Json.NET): $ root, .name or ['name'] child, [0] / [-1] / [0:3] index and slice, [*] wildcard, ..name recursive descent, [?(@.price < 10 && @.tag == 'x')] filter, =~ /regex/ in filters. Returns each match with its normalized path. At most 1000 matches.")]
    public static async Task<JsonQueryResult> Query(
        [Description("The JSON document. At most 1 MiB and 64 levels deep.")] string json,
        [Description("The JSONPath expression, starting with '$', e.g. \"$.store.book[?(@.price < 10)].title\".")] string path,
        CancellationToken cancellationToken = default)
    {
        // Strict RFC 8259 check first: Json.NET alone would accept comments, single quotes and ",," (as undefined).
        JsonInput.ParseElement(json, nameof(json));
        Limits.RequireLength(path, nameof(path), Limits.MaxPatternChars);

        return await Bounded.RunAsync(token => Select(json, path, token), "The JSONPath query", cancellationToken);
    }

    [McpServerTool(Name = "json_schema_validate", ReadOnly = true, Idempotent = true, OpenWorld = false, Destructive = false, UseStructuredContent = true)]
    [Description("Validates a JSON instance against a JSON Schema (draft 2020-12 by default; drafts 6, 7, 2019-09 when the schema's $schema says so). Returns valid=true, or valid=false with each failure's instance location (JSON Pointer), schema keyword location and message. Remote $refs are not fetched. A schema that is itself malformed is a tool error.")]
    public static async Task<SchemaValidationResult> Validate(
        [Description("The JSON instance to validate. At most 1 MiB.")] string json,
        [Description("The JSON Schema, as JSON. At most 1 MiB.")] string schema,
        CancellationToken cancellationToken = default)
    {
        var instance = JsonInput.ParseElement(json, nameof(json));
        var schemaElement = JsonInput.ParseElement(schema, nameof(schema));

        return await Bounded.RunAsync(_ => Evaluate(instance, schemaElement), "JSON Schema validation", cancellationToken);
    }

    private static JsonQueryResult Select(string json, string path, CancellationToken cancellationToken)
    {
        JToken root;
        try
        {
            using var reader = new JsonTextReader(new StringReader(json))
            {
                MaxDepth = Limits.MaxDepth,
                DateParseHandling = DateParseHandling.None,
            };
            root = JToken.ReadFrom(reader);
        }
        catch (JsonReaderException ex)
        {
            return ToolError.Throw<JsonQueryResult>($"'json' is not valid JSON at line {ex.LineNumber}, position {ex.LinePosition}: {ex.Message}");
        }

        // Json.NET reads a number beyond double precision (1e400) as infinity, then compares it and writes it as "Infinity".
        if (((root as JContainer)?.DescendantsAndSelf() ?? [root]).FirstOrDefault(t => t is JValue { Value: double d } && !double.IsFinite(d)) is { } huge)
        {
            return ToolError.Throw<JsonQueryResult>($"'json' has a number beyond double precision (about ±1.8e308) at {NormalizedPath(huge)}, which json_query cannot compare or return.");
        }

        var settings = new JsonSelectSettings { ErrorWhenNoMatch = false, RegexMatchTimeout = FilterRegexTimeout };
        var matches = new List<JsonMatch>();
        bool truncated = false;
        try
        {
            foreach (var token in root.SelectTokens(path, settings))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (matches.Count == Limits.MaxResults)
                {
                    truncated = true;
                    break;
                }

                matches.Add(new JsonMatch(NormalizedPath(token), MatchValue(token)));
            }
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            ToolError.RegexTimedOut(FilterRegexTimeout);
        }
        catch (Newtonsoft.Json.JsonException ex)
        {
            ToolError.Throw($"'path' is not a valid JSONPath expression: {ex.Message} Example: \"$.items[0].name\".");
        }
        catch (ArgumentException ex)
        {
            ToolError.Throw($"'path' is not a valid JSONPath expression: {ex.Message}");
        }
        catch (OverflowException)
        {
            // Json.NET reads indexes and slice bounds as Int32.
            ToolError.Throw($"'path' has an array index or slice bound outside {int.MinValue} to {int.MaxValue}.");
        }

        return new JsonQueryResult(matches.Count, matches, truncated);
    }

    // Json.NET's path has no root ("store.book[0]", "[0]"); only a member name needs the dot after "$".
    private static string NormalizedPath(JToken token) =>
        token.Path.Length == 0 ? "$" : token.Path[0] == '[' ? "$" + token.Path : "$." + token.Path;

    private static JsonElement MatchValue(JToken token)
    {
        try
        {
            return JsonElement.Parse(token.ToString(Formatting.None), MatchOptions);
        }
        catch (System.Text.Json.JsonException)
        {
            return ToolError.Throw<JsonElement>(
                $"The match at {NormalizedPath(token)} nests deeper than {MatchOptions.MaxDepth} levels, too deep to return inside the answer (at most 64 levels in all). Query a deeper path inside it.");
        }
    }

    internal static SchemaValidationResult Evaluate(JsonElement instance, JsonElement schemaElement)
    {
        JsonSchema schema;
        try
        {
            // A fresh registry per call: schemas from one call must not resolve $refs in another.
            schema = JsonSchema.Build(schemaElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        }
        catch (Exception ex) when (ex is JsonSchemaException or System.Text.Json.JsonException or InvalidOperationException or ArgumentException or RefResolutionException or FormatException or KeyNotFoundException or Json.Pointer.PointerParseException)
        {
            return ToolError.Throw<SchemaValidationResult>($"'schema' is not a valid JSON Schema: {ex.Message}");
        }

        double evaluations = SchemaCost.Estimate(schema, instance, Limits.MaxSchemaEvaluations);
        if (evaluations > Limits.MaxSchemaEvaluations)
        {
            return ToolError.Throw<SchemaValidationResult>(
                $"Validating this instance against this schema could take more than {Limits.MaxSchemaEvaluations:N0} subschema evaluations " +
                "(counting each $ref as the subschema it points to, and each array item or property separately), so it was not run. " +
                "Reduce repeated $refs (a $ref that appears twice at each level doubles the work per level) or validate a smaller instance.");
        }

        EvaluationResults results;
        try
        {
            results = schema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        }
        catch (RefResolutionException ex)
        {
            return ToolError.Throw<SchemaValidationResult>($"The schema has a $ref that cannot be resolved (remote references are not fetched): {ex.Message}");
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            // Every regex the library builds carries RegexDefaults.MatchTimeout, so a runaway pattern ends here.
            return ToolError.Throw<SchemaValidationResult>(
                $"A 'pattern' in the schema ran past its {RegexDefaults.MatchTimeout.TotalMilliseconds:0} ms time limit: it probably backtracks catastrophically. Simplify it.");
        }

        var errors = new List<SchemaError>();
        foreach (var detail in results.Details ?? [])
        {
            if (detail.Errors is null)
            {
                continue;
            }

            foreach (var (keyword, message) in detail.Errors)
            {
                if (errors.Count == Limits.MaxResults)
                {
                    break;
                }

                errors.Add(new SchemaError(detail.InstanceLocation.ToString(), detail.EvaluationPath.ToString() + "/" + keyword, message));
            }
        }

        if (!results.IsValid && errors.Count == 0 && results.Errors is { } rootErrors)
        {
            errors.AddRange(rootErrors.Select(e => new SchemaError(results.InstanceLocation.ToString(), e.Key, e.Value)));
        }

        return new SchemaValidationResult(results.IsValid, errors);
    }
}

/// <summary>The result of a JSONPath query.</summary>
/// <param name="Count">How many matches are listed.</param>
/// <param name="Matches">Each match: its path and value.</param>
/// <param name="Truncated">True when there were more than 1000 matches and the rest were left out.</param>
internal sealed record JsonQueryResult(int Count, IReadOnlyList<JsonMatch> Matches, bool Truncated);

/// <summary>One JSONPath match.</summary>
/// <param name="Path">Where the value is, as a JSONPath.</param>
/// <param name="Value">The value.</param>
internal sealed record JsonMatch(string Path, JsonElement Value);

/// <summary>The result of a JSON Schema validation.</summary>
/// <param name="Valid">Whether the instance satisfies the schema.</param>
/// <param name="Errors">Each failure; empty when valid.</param>
internal sealed record SchemaValidationResult(bool Valid, IReadOnlyList<SchemaError> Errors);

/// <summary>One JSON Schema failure.</summary>
/// <param name="InstanceLocation">JSON Pointer to the failing value in the instance ("" is the root).</param>
/// <param name="KeywordLocation">The evaluation path to the failing keyword in the schema.</param>
/// <param name="Message">What is wrong.</param>
internal sealed record SchemaError(string InstanceLocation, string KeywordLocation, string Message);
