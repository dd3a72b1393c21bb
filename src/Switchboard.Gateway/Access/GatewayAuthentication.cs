using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Switchboard.Gateway.Identity;

namespace Switchboard.Gateway.Access;

/// <summary>Whether the MCP endpoints demand a caller.</summary>
internal static class GatewayAuthentication
{
    // Until API keys exist (issue 6 with the storage of issue 5) a fresh install has no credential anyone could
    // present, so authentication is demanded once an issuer is configured; API keys make it unconditional.
    public static bool IsRequired(IServiceProvider services) =>
        services.GetRequiredService<IOptions<IdentityOptions>>().Value.JwtIssuers.Count > 0;
}
