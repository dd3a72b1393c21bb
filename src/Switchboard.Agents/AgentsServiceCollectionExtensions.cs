using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Switchboard.Agents.Custom;
using Switchboard.Agents.Llm;
using Switchboard.Agents.Mcp;
using Switchboard.Agents.Runtime;
using Switchboard.Agents.VonNeumann;
using Switchboard.Workflows.Engine;

namespace Switchboard.Agents;

/// <summary>Registers the agent runtime: the <c>agent</c> step kind and the tools it offers.</summary>
public static class AgentsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <c>agent</c> step executor, <see cref="AgentToolbox"/> and the custom agents' <see cref="AgentCatalog"/>. Needs the workflows (<c>AddSwitchboardWorkflows</c>),
    /// access and the server registry. Models are the configured providers (<c>Agents:Providers</c>).
    /// </summary>
    public static IServiceCollection AddSwitchboardAgentRuntime(this IServiceCollection services)
    {
        services.AddAgentModels();
        services.TryAddSingleton<IAgentModels, CatalogAgentModels>();
        services.TryAddSingleton<AgentToolbox>();
        services.TryAddSingleton<AgentCatalog>();
        services.TryAddSingleton<VonNeumannNode>(); // agents with `replicate` (docs/agents.md)
        services.AddOptions<VonNeumannOptions>().BindConfiguration(VonNeumannOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VonNeumannOptions>, VonNeumannOptionsValidator>());
        // The agents server (agents__{name} on /mcp) and what keeps its tool list in step with the stored agents.
        services.TryAddSingleton<AgentsServer>();
        services.AddHostedService<AgentsServer.Refresher>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, AgentStepExecutor>());
        return services;
    }
}
