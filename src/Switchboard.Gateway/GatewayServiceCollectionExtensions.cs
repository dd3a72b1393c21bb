using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using Switchboard.Gateway.Access;
using Switchboard.Gateway.Api;
using Switchboard.Gateway.Health;
using Switchboard.Gateway.Http;
using Switchboard.Gateway.Identity;
using Switchboard.Policy.RateLimiting;
using Switchboard.Gateway.Hosting;
using Switchboard.Registry;
using Switchboard.Storage;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Hosting;
using Switchboard.Storage.Repositories;
using Switchboard.Upstreams;

namespace Switchboard.Gateway;

/// <summary>Registers the gateway: the server registry, the MCP Streamable HTTP transport over it, guards and health.</summary>
public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Adds the gateway. <paramref name="servers"/> are the servers this host can create; configuration
    /// (<c>Servers:{name}:Enabled</c>) decides which are mounted, unless <paramref name="topology"/> names one
    /// server to serve alone.
    /// </summary>
    public static IServiceCollection AddSwitchboardGateway(
        this IServiceCollection services,
        IConfiguration configuration,
        IEnumerable<ServerRegistration> servers,
        GatewayTopology? topology = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<GatewayOptions>().Bind(configuration.GetSection(GatewayOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());

        // Remote servers come from configuration; one may take a built-in server's name and replace it.
        var serversSection = configuration.GetSection(ServersOptions.SectionName);
        string[] remoteNames = topology?.StandaloneServer is null ? [.. UpstreamsOptions.MountedNames(serversSection)] : [];
        ServerRegistration[] registrations =
        [
            .. servers.Where(s => !remoteNames.Contains(s.Name, StringComparer.Ordinal)),
            .. remoteNames.Select(n => new ServerRegistration(n, sp => sp.GetRequiredService<UpstreamServers>()[n].Catalog, Remote: true)),
        ];
        services.AddOptions<ServersOptions>()
            .Configure(o => Bind(o, serversSection))
            .ValidateOnStart();
        string[] configuredRemote = [.. serversSection.GetChildren().Where(UpstreamsOptions.IsRemote).Select(s => s.Key)];
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ServersOptions>>(new ServersOptionsValidator(registrations, configuredRemote)));
        if (topology?.StandaloneServer is null)
        {
            services.AddSwitchboardUpstreams(configuration, GatewayEndpoints.ReadyTag);
        }

        services.TryAddSingleton(topology ?? new GatewayTopology());
        services.TryAddSingleton(sp => CreateRegistry(sp, registrations));
        services.AddHostedService<RegistryStartupCheck>();
        services.Configure<RouteOptions>(o => o.SetParameterPolicy<RegisteredServerRouteConstraint>(RegisteredServerRouteConstraint.Name));

        // Keys, principals and the audit trail live in the database; its health joins /healthz/ready.
        services.AddSwitchboardStorage(configuration);
        services.AddSwitchboardAudit(configuration);
        services.AddHostedService<AuditRetentionService>();
        services.AddSwitchboardIdentity(configuration);
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>());
        services.TryAddSingleton<IToolCallRateLimiter, SharedToolCallRateLimiter>();

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, PermissionAuthorizationHandler>());
        services.Replace(ServiceDescriptor.Singleton<IAuthorizationMiddlewareResultHandler, ProblemDetailsAuthorizationResultHandler>());
        services.AddAdminApiDocument();

        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<GatewayOptions>>((forwarded, gateway) =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = null; // walk back through every trusted proxy in a chain
            // Only the configured proxies (the defaults trust loopback). With none, the middleware is not used at
            // all: empty lists would make it believe everyone.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (string proxy in gateway.Value.TrustedProxies)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(proxy, out var network) ? network : new System.Net.IPNetwork(System.Net.IPAddress.Parse(proxy), proxy.Contains(':', StringComparison.Ordinal) ? 128 : 32));
            }
        });

        services.AddGatewayCors();
        services.AddHealthChecks().AddCheck<RegistryHealthCheck>("registry", tags: [GatewayEndpoints.ReadyTag]);
        services.AddProblemDetails();
        services.AddExceptionHandler<StorageUnavailableHandler>();
        services.AddExceptionHandler<BadRequestHandler>();
        // Binding failures throw in every environment (by default only in Development), so BadRequestHandler can
        // say what was wrong instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddHttpContextAccessor();

        // Resumable SSE streams (SEP-1699) need an event store; in-memory per replica until Redis is configured.
        services.AddDistributedMemoryCache();
        services
            .AddMcpServer()
            .WithHttpTransport(o =>
            {
                o.ConfigureSessionOptions = static (context, options, _) =>
                {
                    var view = ResolveView(context);
                    view.ApplyTo(options);
                    var services = context.RequestServices;
                    new McpAccessFilters(
                        view,
                        services.GetRequiredService<AccessPolicyProvider>(),
                        services.GetRequiredService<IToolCallRateLimiter>(),
                        services.GetRequiredService<IAuditStore>(),
                        services.GetRequiredService<AuditArguments>(),
                        services.GetRequiredService<TimeProvider>()).AddTo(options);

                    options.Filters.Message.IncomingFilters.Add(SessionEndpointGuard.For(view, ResolveView));
                    return Task.CompletedTask;
                };
            })
            .WithDistributedCacheEventStreamStore();
        services.AddOptions<HttpServerTransportOptions>().Configure<IOptions<GatewayOptions>>((transport, gateway) =>
            transport.SessionMode = gateway.Value.Sessions == GatewaySessionMode.Stateless
                ? HttpServerSessionMode.Stateless
                : HttpServerSessionMode.StatefulForInitializeClients);

        return services;
    }

    private static McpServerView ResolveView(HttpContext context)
    {
        var registry = context.RequestServices.GetRequiredService<McpServerRegistry>();
        if (context.GetRouteValue(GatewayEndpoints.ServerRouteKey) is string name && registry.TryGetServerView(name, out var serverView))
        {
            return serverView;
        }

        var standalone = context.RequestServices.GetRequiredService<GatewayTopology>().StandaloneServer;
        return standalone is not null && registry.TryGetServerView(standalone, out var standaloneView) ? standaloneView : registry.Aggregate;
    }

    private static McpServerRegistry CreateRegistry(IServiceProvider services, ServerRegistration[] registrations)
    {
        var standalone = services.GetRequiredService<GatewayTopology>().StandaloneServer;
        var settings = services.GetRequiredService<IOptions<ServersOptions>>().Value;
        var mounted = standalone is not null
            ? registrations.Where(r => r.Name == standalone)
            : registrations.Where(r => r.Remote || (settings.Servers.TryGetValue(r.Name, out var s) && s.Enabled));
        return new McpServerRegistry(mounted.Select(r => r.Create(services)));
    }

    private static void Bind(ServersOptions options, IConfigurationSection section)
    {
        foreach (var child in section.GetChildren())
        {
            var server = new ServerOptions();
            child.Bind(server);
            options.Servers[child.Key] = server;
        }
    }
}
