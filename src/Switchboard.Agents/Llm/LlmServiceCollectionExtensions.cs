using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Switchboard.Agents.Llm;

/// <summary>Registers the language models agents use.</summary>
public static class LlmServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IAgentModelCatalog"/> over <c>Agents:Providers</c>, validated at start so that a provider with no
    /// model or a bad endpoint stops the host with a message naming the key to fix.
    /// </summary>
    public static IServiceCollection AddAgentModels(this IServiceCollection services)
    {
        services.AddOptions<AgentModelOptions>().BindConfiguration(AgentModelOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AgentModelOptions>, AgentModelOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAgentModelCatalog, AgentModelCatalog>();
        return services;
    }
}
