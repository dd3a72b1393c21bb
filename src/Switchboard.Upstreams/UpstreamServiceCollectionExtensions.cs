using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Switchboard.Upstreams.Health;
using Switchboard.Upstreams.Pinning;

namespace Switchboard.Upstreams;

/// <summary>Registers remote MCP servers from configuration.</summary>
public static class UpstreamServiceCollectionExtensions
{
    /// <summary>
    /// Adds every remote server of section <c>Servers</c> (those with a <c>Url</c> or a <c>Command</c>), their
    /// background connector, and a health check tagged <paramref name="healthTags"/>.
    /// </summary>
    public static IServiceCollection AddSwitchboardUpstreams(this IServiceCollection services, IConfiguration configuration, params string[] healthTags)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<UpstreamsOptions>()
            .Configure(o => UpstreamsOptions.Bind(o, configuration.GetSection(UpstreamsOptions.SectionName)))
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UpstreamsOptions>, UpstreamsOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IToolDefinitionPins, UnrecordedToolPins>();
        services.TryAddSingleton<UpstreamServers>();
        services.AddHostedService<UpstreamConnector>();
        services.AddHealthChecks().AddCheck<UpstreamHealthCheck>("upstreams", tags: healthTags);
        return services;
    }
}
