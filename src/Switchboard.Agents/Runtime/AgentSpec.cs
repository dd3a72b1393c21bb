using System.Text.Json.Nodes;

namespace Switchboard.Agents.Runtime;

/// <summary>
/// An agent as an <c>agent</c> step declares it (docs/agents.md): its instructions, the model, the tools it may be
/// offered (globs that narrow what the run's principal may call, never widen it), its budget, how long a destructive
/// tool call waits for approval, and the JSON schema its answer must follow.
/// </summary>
public sealed record AgentSpec(
    string Instructions,
    string? Provider,
    string? Model,
    IReadOnlyList<string> Tools,
    AgentBudget Budget,
    TimeSpan ApprovalTimeout,
    JsonObject? OutputSchema)
{
    /// <summary>How long a destructive tool call waits for a decision when the agent does not say.</summary>
    public static TimeSpan DefaultApprovalTimeout { get; } = TimeSpan.FromHours(1);

    /// <summary>Reads the JSON the workflow parser made of the step's <c>agent</c> mapping (already checked there).</summary>
    public static AgentSpec FromJson(JsonObject agent)
    {
        ArgumentNullException.ThrowIfNull(agent);
        var budget = agent["budget"] as JsonObject;
        return new AgentSpec(
            agent["instructions"]?.GetValue<string>() ?? string.Empty,
            agent["provider"]?.GetValue<string>(),
            agent["model"]?.GetValue<string>(),
            [.. (agent["tools"] as JsonArray ?? []).Select(t => t!.GetValue<string>())],
            AgentBudget.FromJson(budget),
            agent["approvalTimeoutMs"] is { } ms ? TimeSpan.FromMilliseconds(ms.GetValue<long>()) : DefaultApprovalTimeout,
            agent["outputSchema"] as JsonObject);
    }
}
