using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Switchboard.Agents.Llm;

namespace Switchboard.Agents.Director;

/// <summary>Registers the Director.</summary>
public static class DirectorServiceCollectionExtensions
{
    /// <summary>Adds <see cref="DirectorAgent"/> and the language models it plans with. Needs the workflow engine, storage, access and the server registry.</summary>
    public static IServiceCollection AddDirector(this IServiceCollection services)
    {
        services.AddAgentModels();
        services.TryAddSingleton<DirectorAgent>();
        return services;
    }
}
