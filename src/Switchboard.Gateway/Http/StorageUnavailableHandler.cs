using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Switchboard.Gateway.Access;
using Switchboard.Storage;

namespace Switchboard.Gateway.Http;

/// <summary>
/// The database being unreachable is an outage, not a bug: answer 503 with <c>Retry-After</c> at once (the storage
/// layer's connect timeout bounds the wait) instead of a 500, so clients and load balancers back off and retry.
/// </summary>
internal sealed class StorageUnavailableHandler : IExceptionHandler
{
    // How long clients are told to wait, here and in the JSON-RPC error of a tool call that could not be audited.
    internal const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not StorageUnavailableException)
        {
            return false;
        }

        httpContext.Response.Headers.RetryAfter = $"{RetryAfterSeconds}";
        await JsonRpcErrorResponse.WriteAsync(
            httpContext,
            StatusCodes.Status503ServiceUnavailable,
            GatewayErrorCodes.StorageUnavailable,
            $"Switchboard's database is unavailable; retry in {RetryAfterSeconds} s.");
        return true;
    }
}
