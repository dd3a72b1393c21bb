using Microsoft.Extensions.AI;

namespace Switchboard.Agents.Runtime;

/// <summary>A model's prices per 1,000 tokens, from the provider's configuration; the agent's cost estimate uses them.</summary>
public sealed record ModelPrices(decimal InputPer1K, decimal OutputPer1K);

/// <summary>The model an agent talks to: the client, the names it is known by (for spans and metrics) and its prices.</summary>
public sealed record AgentModel(IChatClient Client, string Provider, string Model, ModelPrices? Prices);

/// <summary>Finds the model an agent names; the provider layer (<c>Llm/</c>) implements it from configuration.</summary>
public interface IAgentModels
{
    /// <summary>The model for <paramref name="provider"/> and <paramref name="model"/> (either left out: the configured default). Throws <see cref="AgentModelException"/>.</summary>
    AgentModel Resolve(string? provider, string? model);
}

/// <summary>No model answers to what an agent names; the message says what to configure.</summary>
public sealed class AgentModelException(string message) : Exception(message);

/// <summary>Used while no provider layer is registered: every agent fails with a message that says so.</summary>
internal sealed class NoAgentModels : IAgentModels
{
    public AgentModel Resolve(string? provider, string? model) =>
        throw new AgentModelException("no language model provider is configured for agents (see docs/agents.md, 'Providers')");
}
