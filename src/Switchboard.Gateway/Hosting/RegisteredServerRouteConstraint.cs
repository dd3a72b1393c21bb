using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Registry;

namespace Switchboard.Gateway.Hosting;

/// <summary>Matches <c>/servers/{server}/mcp</c> only for registered servers, so an unknown name is a plain 404.</summary>
internal sealed class RegisteredServerRouteConstraint(McpServerRegistry registry) : IRouteConstraint
{
    public const string Name = "mcpserver";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string name && registry.TryGetServerView(name, out _);
}
