using System.Collections;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;
using Switchboard.Registry;

namespace Switchboard.Gateway.Tests.Identity;

/// <summary>
/// The SDK's <c>[Authorize]</c> guards are off because none of our primitives carries such metadata; who may call what
/// is the policy's decision (RbacMatrixTests, McpMethodAuthorizationTests).
/// </summary>
public sealed class AuthorizeAttributeGuardsTests(GatewayServer gateway) : IClassFixture<GatewayServer>
{
    [Fact]
    public void ServerOptions_CarryNoFilterOfTheSdksAuthorizationLayer()
    {
        var filters = gateway.Services.GetRequiredService<IOptions<McpServerOptions>>().Value.Filters.Request;
        var sdk = typeof(HttpServerTransportOptions).Assembly;

        var fromSdk = typeof(McpRequestFilters).GetProperties()
            .Where(p => typeof(IEnumerable).IsAssignableFrom(p.PropertyType))
            .SelectMany(p => ((IEnumerable)p.GetValue(filters)!).Cast<Delegate>().Select(d => (p.Name, d.Method.DeclaringType)))
            .Where(f => f.DeclaringType?.Assembly == sdk)
            .ToList();

        Assert.Empty(fromSdk);
    }

    [Fact]
    public void NoPrimitiveTheGatewayServes_CarriesAuthorizationMetadata()
    {
        var view = gateway.Services.GetRequiredService<McpServerRegistry>().Aggregate;
        IEnumerable<IMcpServerPrimitive> primitives = [.. view.Tools, .. view.Prompts, .. view.Resources];

        var marked = primitives
            .Where(p => p.Metadata.Any(m => m is IAuthorizeData or IAllowAnonymous or AuthorizationPolicy or IAuthorizationRequirementData))
            .Select(p => p.Id)
            .ToList();

        Assert.NotEmpty(view.Tools);
        Assert.Empty(marked);
    }
}
