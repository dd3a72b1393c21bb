using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Switchboard.Gateway.Api;
using Switchboard.Gateway.Health;
using Switchboard.Gateway.Identity;
using Switchboard.Gateway.Hosting;
using Switchboard.Gateway.Http;

namespace Switchboard.Gateway;

/// <summary>Maps the gateway's endpoints and the guards in front of them.</summary>
public static class GatewayEndpoints
{
    /// <summary>The route value that names a server in <c>/servers/{server}/mcp</c>.</summary>
    public const string ServerRouteKey = "server";

    // One tag for every check /healthz/ready runs, whichever project registers it.
    internal const string ReadyTag = Storage.StorageServiceCollectionExtensions.ReadyTag;

    private static readonly PathString HealthPath = "/healthz";

    /// <summary>
    /// Adds the guards (Host/Origin, body size) for everything but health probes, then maps <c>/mcp</c>,
    /// <c>/servers/{server}/mcp</c> and the admin API <c>/api/v1</c> (both not for a standalone server) and
    /// <c>/healthz/live</c>, <c>/healthz/ready</c>.
    /// </summary>
    public static WebApplication MapSwitchboardGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        if (app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        app.UseExceptionHandler();
        // Probes come from kubelets and load balancers addressing the pod by IP, so they skip the Host check.
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments(HealthPath, StringComparison.OrdinalIgnoreCase),
            guarded => guarded
                .UseMiddleware<HostValidationMiddleware>()
                .UseMiddleware<RequestBodyLimitMiddleware>()
                .UseWhen(context => !context.Request.Path.StartsWithSegments(AdminApi.Prefix, StringComparison.OrdinalIgnoreCase), mcp => mcp.UseMiddleware<JsonRpcValidationMiddleware>()));

        app.UseMiddleware<FailedAuthenticationLimiter>();
        app.UseAuthentication();
        app.UseAuthorization();

        var endpoints = new List<IEndpointConventionBuilder> { app.MapMcp("/mcp") };
        if (app.Services.GetRequiredService<GatewayTopology>().StandaloneServer is null)
        {
            endpoints.Add(app.MapMcp($"/servers/{{{ServerRouteKey}:{RegisteredServerRouteConstraint.Name}}}/mcp"));
            app.MapAdminApi();
        }

        endpoints.ForEach(e => e.RequireSwitchboardAuthentication());

        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponseWriter.WriteAsync });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = HealthResponseWriter.WriteAsync });
        return app;
    }
}
