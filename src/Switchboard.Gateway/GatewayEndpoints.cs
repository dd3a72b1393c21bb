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
using Switchboard.Gateway.Telemetry;

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
    /// Adds admission (how many requests are worked on at once), the guards (Host/Origin, body size) for everything
    /// but health probes, CORS when configured, authentication, and the JSON-RPC check of authenticated MCP requests;
    /// then maps <c>/mcp</c>, <c>/servers/{server}/mcp</c> and the admin API <c>/api/v1</c> (both not for a standalone
    /// server) and <c>/healthz/live</c>, <c>/healthz/ready</c>.
    /// </summary>
    public static WebApplication MapSwitchboardGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        var options = app.Services.GetRequiredService<IOptions<GatewayOptions>>().Value;
        if (options.TrustedProxies.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        // First: a request waiting for its turn has cost nothing yet.
        if (options.Admission.EffectiveMaxRequests > 0)
        {
            app.UseMiddleware<RequestAdmission>();
        }

        app.UseExceptionHandler();
        app.UseErrorBodies();
        // Probes and scrapes come from kubelets, load balancers and Prometheus addressing the pod by IP, so they skip
        // the Host check.
        var management = app.Services.GetRequiredService<IOptions<ManagementOptions>>().Value;
        app.UseWhen(
            context => !context.Request.Path.StartsWithSegments(HealthPath, StringComparison.OrdinalIgnoreCase)
                && !(management.MetricsOnMainPort && context.Request.Path.StartsWithSegments(ManagementOptions.MetricsPath, StringComparison.OrdinalIgnoreCase)),
            guarded => guarded
                .UseMiddleware<HostValidationMiddleware>()
                .UseMiddleware<RequestBodyLimitMiddleware>());

        if (options.IsEnabled())
        {
            app.UseCors(); // answers preflights, which carry no credentials, before authentication
        }

        app.UseMiddleware<FailedAuthenticationLimiter>();
        app.UseAuthentication();
        app.UseAuthorization();
        // Bodies are read only once the caller is known to be allowed in.
        app.UseMiddleware<JsonRpcValidationMiddleware>();
        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(AdminApi.Prefix, StringComparison.OrdinalIgnoreCase),
            api => api.Use(AdminApi.AuthorizeAsync).Use(JsonRequestBody.BufferAsync));

        var topology = app.Services.GetRequiredService<GatewayTopology>();
        var endpoints = new List<IEndpointConventionBuilder>();
        if (!topology.WorkerOnly)
        {
            endpoints.Add(app.MapMcp("/mcp"));
        }

        if (topology.StandaloneServer is null && !topology.WorkerOnly)
        {
            endpoints.Add(app.MapMcp($"/servers/{{{ServerRouteKey}:{RegisteredServerRouteConstraint.Name}}}/mcp"));
            app.MapAdminApi();
        }

        foreach (var endpoint in endpoints)
        {
            endpoint.RequireSwitchboardAuthentication().WithMetadata(McpEndpointMetadata.Instance);
            if (options.IsEnabled())
            {
                endpoint.RequireCors(GatewayCors.PolicyName);
            }
        }

        if (management.MetricsOnMainPort)
        {
            var metrics = app.MapPrometheusScrapingEndpoint(ManagementOptions.MetricsPath);
            if (!management.AllowAnonymousMetrics)
            {
                metrics.RequireSwitchboardAuthentication();
            }
        }

        app.MapHealthChecks("/healthz/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = HealthResponseWriter.WriteAsync });
        app.MapHealthChecks("/healthz/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = HealthResponseWriter.WriteAsync });
        return app;
    }
}
