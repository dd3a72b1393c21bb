using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;
using Switchboard.Access;
using Switchboard.Access.Identity;
using Switchboard.Agents;
using Switchboard.Agents.Director;
using Switchboard.Gateway.Access;
using Switchboard.Gateway.Api;
using Switchboard.Gateway.Health;
using Switchboard.Gateway.Hosting;
using Switchboard.Gateway.Http;
using Switchboard.Gateway.Identity;
using Switchboard.Gateway.Mrtr;
using Switchboard.Gateway.Servers;
using Switchboard.Mrtr;
using Switchboard.Registry;
using Switchboard.Storage.Hosting;
using Switchboard.Storage.Queue;
using Switchboard.Storage;
using Switchboard.Text;
using Switchboard.Upstreams.Pinning;
using Switchboard.Upstreams;
using Switchboard.Workflows.Tasks;
using Switchboard.Workflows;

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
            // Servers registered through the API or CLI, stored in the database and applied on every replica.
            services.AddSwitchboardServerRegistrations();
            services.TryAddSingleton<IToolDefinitionPins, StoredToolPins>();
            services.AddSwitchboardUpstreams(configuration, GatewayEndpoints.ReadyTag);
            services.TryAddSingleton<ServerRegistrySync>();
        }

        services.TryAddSingleton(topology ?? new GatewayTopology());
        services.TryAddSingleton(sp => CreateRegistry(sp, registrations));
        services.AddHostedService<RegistryStartupCheck>();
        services.Configure<RouteOptions>(o => o.SetParameterPolicy<RegisteredServerRouteConstraint>(RegisteredServerRouteConstraint.Name));

        // Keys, principals and the audit trail live in the database; its health joins /healthz/ready.
        services.AddSwitchboardStorage(configuration);
        services.AddSwitchboardAudit(configuration);
        services.AddHostedService<AuditRetentionService>();
        if (topology?.StandaloneServer is null)
        {
            // After storage, whose start-up migrates the database this reads.
            services.AddHostedService(sp => sp.GetRequiredService<ServerRegistrySync>());
        }

        services.AddSwitchboardIdentity(configuration);
        // Input-required results (SEP-2322) carry a requestState sealed with a key every replica shares.
        services.TryAddSingleton<IRequestStateKeys, SigningKeyRequestStateKeys>();
        services.TryAddSingleton<RequestStateProtector>();
        // Jobs and MCP tasks; a worker runs in this process unless Queue:InProcessWorker is false (then `switchboard worker` runs them).
        services.AddSwitchboardWorkflows(configuration, runWorker: topology?.WorkerOnly == true || configuration.GetValue($"{JobQueueOptions.SectionName}:{nameof(JobQueueOptions.InProcessWorker)}", true));
        // Agents (issue 16): language models, the agent step kind, custom agents and the Director.
        services.AddSwitchboardAgentRuntime();
        services.AddDirector();
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

        // SIGTERM: readiness fails first, the replica keeps serving while load balancers notice, then drains.
        services.AddOptions<ShutdownOptions>().Bind(configuration.GetSection(ShutdownOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ShutdownOptions>, ShutdownOptionsValidator>());
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) =>
        {
            if (shutdown.Value.Total > TimeSpan.Zero)
            {
                host.ShutdownTimeout = shutdown.Value.Total;
            }
        });
        services.TryAddSingleton<GracefulShutdown>();
        services.AddHostedService(sp => sp.GetRequiredService<GracefulShutdown>());

        services.AddGatewayCors();
        services.AddHealthChecks()
            .AddCheck<RegistryHealthCheck>("registry", tags: [GatewayEndpoints.ReadyTag])
            .AddCheck<GracefulShutdown>("shutdown", tags: [GatewayEndpoints.ReadyTag]);
        // A problem's title and detail are plain text that often quotes what the caller sent (a role or key name):
        // control characters in them are escaped, so a client that prints them cannot be made to show forged lines.
        services.AddProblemDetails(o => o.CustomizeProblemDetails = static context =>
        {
            var problem = context.ProblemDetails;
            (problem.Title, problem.Detail) = (PrintableText.Escape(problem.Title, int.MaxValue), PrintableText.Escape(problem.Detail, int.MaxValue));
        });
        services.AddExceptionHandler<StorageUnavailableHandler>();
        services.AddExceptionHandler<BadRequestHandler>();
        // Binding failures throw in every environment (by default only in Development), so BadRequestHandler can
        // say what was wrong instead of an empty 400.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        // Admin API bodies are strict: a misspelt member ("role" for "roles", "expires" for "expiresAt") is a 400 naming
        // it, never dropped silently, which would widen a token or make a key that never expires. Names match exactly,
        // so no two spellings ("roles", "Roles") bind to one property with the last silently winning.
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.PropertyNameCaseInsensitive = false;
        });
        services.AddHttpContextAccessor();

        // Resumable SSE streams (SEP-1699) of sessions need an event store. It is in memory, per replica, like the
        // sessions themselves: load balancers route by Mcp-Session-Id (docs/deploy.md, "Load balancer"). Sessionless
        // requests are not resumable and go to any replica. Every response a session gets is stored, so the store is
        // bounded in bytes (an entry's size is its length) and in time.
        services.AddDistributedMemoryCache();
        services.AddOptions<MemoryDistributedCacheOptions>().Configure<IOptions<GatewayOptions>>((cache, gateway) =>
            cache.SizeLimit = gateway.Value.ResumableStreams.MaxBytes);
        services.AddOptions<DistributedCacheEventStreamStoreOptions>().Configure<IOptions<GatewayOptions>>((store, gateway) =>
        {
            var retention = gateway.Value.ResumableStreams.Retention;
            store.EventSlidingExpiration = retention;
            store.EventAbsoluteExpiration = retention;
            store.MetadataSlidingExpiration = retention;
            store.MetadataAbsoluteExpiration = retention;
        });
        services
            .AddMcpServer()
            .WithHttpTransport(o =>
            {
                o.ConfigureSessionOptions = static (context, options, _) =>
                {
                    ConfigureViewOptions(options, ResolveView(context), context.RequestServices);
                    return Task.CompletedTask;
                };
            })
            .WithDistributedCacheEventStreamStore()
            .WithoutAuthorizeAttributeGuards();
        services.AddOptions<McpServerOptions>().Configure<McpTasks>((options, tasks) => tasks.AddMethodsTo(options));
        // Sessionless 2026-07-28 requests on long-lived servers instead of one built per POST (issue 18).
        services.TryAddSingleton<SessionlessServerPool>();
        services.TryAddSingleton<DirectToolCall>();
        services.TryAddSingleton<SessionlessFastPath>();
        services.TryAddSingleton<OpenSessions>();
        services.TryAddSingleton<StandingStreams>();
        services.AddOptions<HttpServerTransportOptions>().Configure<IOptions<GatewayOptions>>((transport, gateway) =>
        {
            transport.SessionMode = gateway.Value.Sessions == GatewaySessionMode.Stateless
                ? HttpServerSessionMode.Stateless
                : HttpServerSessionMode.StatefulForInitializeClients;
            transport.IdleTimeout = gateway.Value.SessionIdleTimeout;
            transport.MaxIdleSessionCount = gateway.Value.MaxIdleSessions;
#pragma warning disable MCPEXP002 // the SDK's one hook for a session's end (DELETE or idle expiry); nothing stable tells it
            transport.RunSessionHandler = RunSessionAsync;
#pragma warning restore MCPEXP002
        });

        return services;
    }

    // A session ends when its client DELETEs it or it idles out: the upstream sessions opened for it end with it.
    // Each session counts against its principal's cap (JsonRpcValidationMiddleware refuses initialize past it) until
    // then; a sessionless request's server, also run here, has no session id and does not count.
    private static async Task RunSessionAsync(HttpContext context, McpServer server, CancellationToken cancellationToken)
    {
        var upstreams = context.RequestServices.GetService<UpstreamServers>();
        using var counted = server.SessionId is { } id
            ? context.RequestServices.GetRequiredService<OpenSessions>().Opened(id, context.User.PrincipalId())
            : null;
        try
        {
            await server.RunAsync(cancellationToken);
        }
        finally
        {
            if (server.SessionId is { } sessionId && upstreams is not null)
            {
                await upstreams.CloseSessionsOfAsync(sessionId);
            }
        }
    }

    /// <summary>
    /// Adds <see cref="ServerRegistrations"/>, the store of servers registered at run time, for the gateway and for
    /// <c>switchboard servers</c>. Needs storage and audit.
    /// </summary>
    public static IServiceCollection AddSwitchboardServerRegistrations(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ServerRegistrations>();
        services.TryAddSingleton<VirtualServerRegistrations>();
        services.AddOptions<CredentialEncryptionOptions>().BindConfiguration(CredentialEncryptionOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CredentialEncryptionOptions>, CredentialEncryptionOptionsValidator>());
        services.TryAddSingleton<CredentialProtector>();
        return services;
    }

    /// <summary>
    /// Points a server's <paramref name="options"/> at <paramref name="view"/> with the gateway's filters: for every
    /// server the SDK makes per session or per request, and for <see cref="SessionlessServerPool"/>'s.
    /// </summary>
    internal static void ConfigureViewOptions(McpServerOptions options, McpServerView view, IServiceProvider services)
    {
        view.ApplyTo(options);
        new McpAccessFilters(view, services.GetRequiredService<AccessGuard>()).AddTo(options);
        services.GetRequiredService<McpTasks>().AddToolCallsTo(options, view);

        options.Filters.Message.IncomingFilters.Add(SessionEndpointGuard.For(view, ResolveView));
        options.Filters.Message.IncomingFilters.Add(new SessionRequestCancellation().Filter);
    }

    /// <summary>The view an MCP request is for: its <c>/servers/{name}/mcp</c> server, the standalone server, or the aggregate.</summary>
    internal static McpServerView ResolveView(HttpContext context)
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
        var registry = new McpServerRegistry(mounted.Select(r => r.Create(services)));
        if (standalone is null)
        {
            foreach (var (name, server) in settings.Servers.Where(s => s.Value.Compose.Count > 0))
            {
                registry.TryMountVirtual(name, server.Compose);
            }
        }

        return registry;
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
