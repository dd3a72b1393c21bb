using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Switchboard.Text;

namespace Switchboard.Agents.Director;

/// <summary>
/// A plan: steps, each a tool call (<see cref="PlanStep.Tool"/>) or a delegation to another agent
/// (<see cref="PlanStep.Agent"/>), with the steps it needs. Argument values may read earlier results with the workflow
/// engine's expressions, e.g. <c>"${{ steps.rate.output.rate }}"</c> (docs/workflows.md).
/// </summary>
public sealed record DirectorPlan(IReadOnlyList<PlanStep> Steps)
{
    /// <summary>
    /// How plans are read and written: camelCase, as the model is told. Strictly: a member a step does not have
    /// (<c>"wait"</c>, <c>"retry"</c>) is refused, not dropped, so that nobody believes a plan does what it does not.
    /// </summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        PropertyNameCaseInsensitive = false,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver(), // so that Parse can ask for the plan's metadata to word its errors
    };

    /// <summary>Reads a plan from JSON (a model's answer, or one given explicitly); throws <see cref="JsonException"/> saying what is wrong.</summary>
    public static DirectorPlan Parse(string json)
    {
        // Models sometimes fence JSON in markdown even when asked for JSON alone.
        string text = json.Trim();
        if (text.StartsWith("```", StringComparison.Ordinal))
        {
            text = text[(text.IndexOf('\n', StringComparison.Ordinal) + 1)..];
            text = text[..Math.Max(0, text.LastIndexOf("```", StringComparison.Ordinal))];
        }

        // Well formed and each member once first, so that what fails below is a member or a value's type, which
        // JsonReadError words without the .NET type names of the serializer's own messages.
        var node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false });
        var info = Json.GetTypeInfo(typeof(DirectorPlan));
        DirectorPlan? plan;
        try
        {
            plan = (DirectorPlan?)node.Deserialize(info);
        }
        catch (JsonException e)
        {
            throw new JsonException(JsonReadError.Describe(e, info), e);
        }

        return plan?.Steps is { Count: > 0 } ? plan : throw new JsonException("The plan has no steps: give {\"steps\": [ … ]}.");
    }

    /// <summary>The plan as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>One step of a <see cref="DirectorPlan"/>.</summary>
/// <param name="Id">Unique in the plan: letters, digits, <c>_</c> and <c>-</c>.</param>
/// <param name="Tool">A gateway tool as <c>server/tool</c>; or null for a delegation.</param>
/// <param name="Arguments">The tool's arguments; values may hold <c>${{ steps.&lt;id&gt;.output… }}</c>.</param>
/// <param name="Agent">The agent to delegate to; or null for a tool call.</param>
/// <param name="Input">What the delegated agent is asked.</param>
/// <param name="Needs">The steps that must finish first; empty: none (it may run at once).</param>
public sealed record PlanStep(string Id, string? Tool = null, JsonObject? Arguments = null, string? Agent = null, string? Input = null, IReadOnlyList<string>? Needs = null);
