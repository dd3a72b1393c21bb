using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ModelContextProtocol;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Refuses requests whose <c>Host</c> or <c>Origin</c> names a host that is not allowed (403), the defence against
/// DNS rebinding that the MCP Streamable HTTP transport requires of local servers (spec 2025-11-25, Transports,
/// "Security Warning"). The SDK has no such check of its own.
/// </summary>
internal sealed partial class HostValidationMiddleware(RequestDelegate next, IOptionsMonitor<GatewayOptions> options, ILogger<HostValidationMiddleware> logger)
{
    public Task InvokeAsync(HttpContext context)
    {
        var settings = options.CurrentValue;
        var allowed = settings.EffectiveAllowedHosts;
        if (allowed.Contains("*"))
        {
            return next(context);
        }

        string host = context.Request.Host.Host;
        if (!IsAllowed(host, allowed))
        {
            return RefuseAsync(context, "Host", host);
        }

        string? origin = context.Request.Headers.Origin;
        if (!string.IsNullOrEmpty(origin) && !IsAllowedOrigin(origin, allowed) && !settings.AllowsOrigin(origin))
        {
            return RefuseAsync(context, "Origin", origin);
        }

        return next(context);
    }

    private static bool IsAllowedOrigin(string origin, IReadOnlyList<string> allowed) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && IsAllowed(uri.Host, allowed);

    private static bool IsAllowed(string host, IReadOnlyList<string> allowed)
    {
        // Host strings from Kestrel keep IPv6 brackets; Uri.Host keeps them too. Compare without them.
        var bare = host.AsSpan().Trim("[]");
        foreach (var candidate in allowed)
        {
            if (bare.Equals(candidate.AsSpan().Trim("[]"), StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private Task RefuseAsync(HttpContext context, string header, string value)
    {
        LogRefused(logger, header, value);
        return JsonRpcErrorResponse.WriteAsync(
            context,
            StatusCodes.Status403Forbidden,
            McpErrorCode.InvalidRequest,
            $"The {header} '{value}' is not allowed. If this gateway is meant to be reached under that name, add it to Gateway:AllowedHosts.");
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Refused a request whose {Header} header was '{Value}': not an allowed host.")]
    private static partial void LogRefused(ILogger logger, string header, string value);
}
