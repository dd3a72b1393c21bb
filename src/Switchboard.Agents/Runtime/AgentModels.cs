using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using Switchboard.Agents.Llm;

namespace Switchboard.Agents.Runtime;

/// <summary>A model's prices per 1,000 tokens, from the provider's configuration; the agent's cost estimate uses them.</summary>
public sealed record ModelPrices(decimal InputPer1K, decimal OutputPer1K);

/// <summary>The model an agent talks to: the client, the names it is known by (for spans and metrics) and its prices.</summary>
public sealed record AgentModel(IChatClient Client, string Provider, string Model, ModelPrices? Prices);

/// <summary>Finds the model an agent names (a seam, so the loop can be driven by any source of models).</summary>
public interface IAgentModels
{
    /// <summary>The model for <paramref name="provider"/> and <paramref name="model"/> (either left out: the configured default). Throws <see cref="AgentModelException"/>.</summary>
    AgentModel Resolve(string? provider, string? model);
}

/// <summary>No model answers to what an agent names; the message says what to configure.</summary>
public sealed class AgentModelException(string message) : Exception(message);

/// <summary>The configured providers (<c>Agents:Providers</c>, see <see cref="IAgentModelCatalog"/>) as agents name them.</summary>
internal sealed class CatalogAgentModels(IAgentModelCatalog catalog, IOptions<AgentModelOptions> options) : IAgentModels
{
    public AgentModel Resolve(string? provider, string? model)
    {
        var providers = options.Value.Providers;
        string name = provider ?? providers.Count switch
        {
            0 => throw new AgentModelException("no language model provider is configured for agents (Agents:Providers; see docs/agents.md)"),
            1 => providers.Keys.First(),
            _ => throw new AgentModelException($"the agent names no provider and several are configured ({string.Join(", ", providers.Keys.Order(StringComparer.Ordinal))}): set its 'provider'"),
        };
        if (!providers.TryGetValue(name, out var settings))
        {
            throw new AgentModelException(providers.Count == 0
                ? $"the agent names the provider '{name}', but none is configured (Agents:Providers)"
                : $"the agent names the provider '{name}', which is not configured; configured: {string.Join(", ", providers.Keys.Order(StringComparer.Ordinal))}");
        }

        var prices = settings.InputPricePer1K is null && settings.OutputPricePer1K is null ? null : new ModelPrices(settings.InputPricePer1K ?? 0m, settings.OutputPricePer1K ?? 0m);
        return new AgentModel(catalog.GetChatClient(name), name, model ?? settings.Model, prices);
    }
}
