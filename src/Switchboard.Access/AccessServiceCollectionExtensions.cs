using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Switchboard.Access.Authorization;
using Switchboard.Access.Identity;
using Switchboard.Access.RateLimiting;
using Switchboard.Policy;
using Switchboard.Policy.RateLimiting;

namespace Switchboard.Access;

/// <summary>Registers the access path: identity, the policy, the rate limits and <see cref="AccessGuard"/>.</summary>
public static class AccessServiceCollectionExtensions
{
    /// <summary>
    /// Adds what deciding access needs, for any host (the gateway, the CLI, a worker): the policy (section
    /// <c>Policy</c>) kept current by a background refresh, API keys, custom roles, service tokens, the rate limits
    /// (section <c>RateLimits</c>) and <see cref="AccessGuard"/>. Storage and the audit trail must be added too
    /// (<c>AddSwitchboardStorage</c>, <c>AddSwitchboardAudit</c>). Registered with <c>TryAdd</c>, so a host may override.
    /// </summary>
    public static SwitchboardAccessBuilder AddSwitchboardAccess(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PolicyOptions>().Bind(configuration.GetSection(PolicyOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PolicyOptions>, PolicyOptionsValidator>());
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>());

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AccessPolicyProvider>();
        services.TryAddSingleton<ApiKeyService>();
        services.TryAddSingleton<RoleService>();
        services.TryAddSingleton<SigningKeyRing>();
        services.TryAddSingleton<ServiceTokenService>();
        services.TryAddSingleton<IToolCallRateLimiter, SharedToolCallRateLimiter>();
        services.TryAddSingleton<AccessGuard>();
        // Runs only where a host runs hosted services; operator commands refresh the policy when they need it.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PolicyRefresher>());
        return new SwitchboardAccessBuilder(services);
    }
}

/// <summary>Adds optional parts of the access path.</summary>
/// <param name="services">The services being configured.</param>
public sealed class SwitchboardAccessBuilder(IServiceCollection services)
{
    /// <summary>The services being configured.</summary>
    public IServiceCollection Services { get; } = services;

    /// <summary>On the very first start (no principals at all), creates the administrator and its key: for a host that serves requests.</summary>
    public SwitchboardAccessBuilder WithBootstrapAdministrator()
    {
        Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, BootstrapAdministrator>());
        return this;
    }
}
