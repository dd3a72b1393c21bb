using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Switchboard.Gateway.Http;

/// <summary>
/// CORS for browser-based MCP clients (<c>Gateway:Cors:AllowedOrigins</c>), off by default. A page may send the
/// headers Streamable HTTP needs (<c>Authorization</c>, <c>Mcp-Session-Id</c>, <c>MCP-Protocol-Version</c>,
/// <c>Mcp-Method</c>, <c>Mcp-Name</c>, <c>Mcp-Param-*</c>, <c>Last-Event-ID</c>) and read the ones it answers with.
/// </summary>
internal static class GatewayCors
{
    public const string PolicyName = "mcp";

    private static readonly string[] ExposedHeaders = ["Mcp-Session-Id", "MCP-Protocol-Version", "WWW-Authenticate", "Retry-After"];

    public static IServiceCollection AddGatewayCors(this IServiceCollection services)
    {
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<GatewayOptions>>((cors, gateway) =>
            cors.AddPolicy(PolicyName, policy => policy
                .WithOrigins([.. gateway.Value.Cors.AllowedOrigins])
                .WithMethods("GET", "POST", "DELETE")
                // Mcp-Param-* names vary by tool, and CORS lists no header patterns: allow what the page asks for.
                .AllowAnyHeader()
                .WithExposedHeaders(ExposedHeaders)
                .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        return services;
    }

    /// <summary>Whether any origin is allowed, which decides if the MCP endpoints carry the policy.</summary>
    public static bool IsEnabled(this GatewayOptions options) => options.Cors.AllowedOrigins.Count > 0;

    /// <summary>Whether <paramref name="value"/> is an allowed origin exactly (as browsers send it).</summary>
    public static bool AllowsOrigin(this GatewayOptions options, string value) =>
        options.Cors.AllowedOrigins.Any(o => string.Equals(o.TrimEnd('/'), value, StringComparison.OrdinalIgnoreCase));

    public static bool IsOrigin(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && uri.AbsolutePath == "/" && string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment)
        && string.IsNullOrEmpty(uri.UserInfo);
}
