using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace Switchboard.Agents.Runtime;

/// <summary>
/// Checks an agent's final answer against its declared <c>output_schema</c> (JSON Schema, evaluated by JsonSchema.Net).
/// The messages are written for the model, which gets one chance to answer again, and for the run's record.
/// </summary>
internal static class OutputSchema
{
    private const int MaxErrors = 10;

    /// <summary>Why <paramref name="answer"/> does not satisfy <paramref name="schema"/>; null when it does.</summary>
    public static string? Problem(JsonObject schema, string? answer)
    {
        if (answer is null)
        {
            return "there is no answer";
        }

        JsonElement instance;
        try
        {
            instance = JsonDocument.Parse(answer).RootElement;
        }
        catch (JsonException e)
        {
            return $"the answer is not JSON ({e.Message})";
        }

        JsonSchema built;
        try
        {
            // A fresh registry per check: one agent's schema must not resolve another's $ref.
            built = JsonSchema.Build(JsonSerializer.SerializeToElement(schema, AgentsJson.Default.JsonObject), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        }
        catch (Exception e) when (e is JsonSchemaException or JsonException or InvalidOperationException or ArgumentException or RefResolutionException or FormatException or KeyNotFoundException)
        {
            return $"the agent's output_schema is not a valid JSON Schema ({e.Message})";
        }

        EvaluationResults results;
        try
        {
            results = built.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        }
        catch (RefResolutionException e)
        {
            return $"the agent's output_schema has a $ref that cannot be resolved ({e.Message})";
        }

        if (results.IsValid)
        {
            return null;
        }

        var errors = (results.Details ?? []).Where(d => d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{(d.InstanceLocation.ToString() is { Length: > 0 } at ? at : "/")}: {e.Value}"))
            .Concat(results.Errors?.Select(e => $"/: {e.Value}") ?? [])
            .Distinct(StringComparer.Ordinal)
            .Take(MaxErrors);
        return $"the answer does not match the output schema: {string.Join("; ", errors)}";
    }
}
