using Microsoft.Extensions.Logging;

namespace Switchboard.Gateway.Diagnostics;

/// <summary>
/// Gateway log messages; event ids 1000-1999 (1000s HTTP guards, 1100s hosting, 1200s authentication). Never a secret:
/// an API key appears only as its public prefix, a token only as its principal; client-supplied text is escaped first.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1210, Level = LogLevel.Debug, Message = "Authenticated {Principal} with the API key {Prefix}.")]
    public static partial void ApiKeyAuthenticated(ILogger logger, string principal, string prefix);

    [LoggerMessage(EventId = 1211, Level = LogLevel.Debug, Message = "Refused an API key: {Reason}.")]
    public static partial void ApiKeyRefused(ILogger logger, string reason);

    [LoggerMessage(EventId = 1220, Level = LogLevel.Debug, Message = "Authenticated {Principal} with a service token.")]
    public static partial void ServiceTokenAuthenticated(ILogger logger, string? principal);

    [LoggerMessage(EventId = 1221, Level = LogLevel.Debug, Message = "Refused a service token: {Reason}.")]
    public static partial void ServiceTokenRefused(ILogger logger, string reason);
}
