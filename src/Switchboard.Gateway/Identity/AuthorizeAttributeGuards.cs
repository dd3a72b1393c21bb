using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace Switchboard.Gateway.Identity;

/// <summary>
/// The MCP SDK's guards for ASP.NET Core <c>[Authorize]</c> on tools, prompts and resources, which Switchboard does not
/// use: who may call what is our policy's decision (<c>AccessGuard</c>, <c>McpAccessFilters</c>, docs/access.md).
/// </summary>
internal static class AuthorizeAttributeGuards
{
    // What WithHttpTransport registers when AddAuthorizationFilters is not called: filters on every tools/call (and
    // every list, get and read) that only throw when the primitive carries [Authorize]-style metadata. None of ours
    // does (AuthorizeAttributeGuardsTests checks every primitive the gateway serves), so they refused nothing and cost
    // a filter layer on every call (issue 18's profile). The SDK's types are internal; they are known by name.
    private static readonly string[] GuardSetups = ["AuthorizationFilterSetup", "AuthorizationCallToolFilterGuardSetup"];

    /// <summary>Removes the SDK's <c>[Authorize]</c> guards that <c>WithHttpTransport</c> added; call it after that.</summary>
    public static IMcpServerBuilder WithoutAuthorizeAttributeGuards(this IMcpServerBuilder builder)
    {
        var sdk = typeof(HttpServerTransportOptions).Assembly;
        var services = builder.Services;
        for (int i = services.Count - 1; i >= 0; i--)
        {
            var descriptor = services[i];
            if (descriptor.ServiceType == typeof(IPostConfigureOptions<McpServerOptions>)
                && !descriptor.IsKeyedService
                && descriptor.ImplementationType is { } type
                && type.Assembly == sdk
                && GuardSetups.Contains(type.Name, StringComparer.Ordinal))
            {
                services.RemoveAt(i);
            }
        }

        return builder;
    }
}
