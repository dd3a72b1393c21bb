using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Switchboard.Agents.Custom;
using Switchboard.Agents.Llm;
using Switchboard.Workflows.Engine;

namespace Switchboard.Agents.Director;

/// <summary>Registers the Director.</summary>
public static class DirectorServiceCollectionExtensions
{
    /// <summary>Adds <see cref="DirectorAgent"/>, the <c>director</c> step kind, <see cref="DirectorRuns"/> and the language models it plans with. Needs the workflow engine, storage, access and the server registry.</summary>
    public static IServiceCollection AddDirector(this IServiceCollection services)
    {
        services.AddAgentModels();
        services.TryAddSingleton<DirectorAgent>();
        services.TryAddSingleton<DirectorRuns>();
        services.TryAddSingleton<AgentCatalog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, DirectorStepExecutor>());
        return services;
    }
}
