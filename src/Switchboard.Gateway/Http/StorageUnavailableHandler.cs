using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Switchboard.Errors;
using Switchboard.Storage;

namespace Switchboard.Gateway.Http;

/// <summary>
/// The database being unreachable is an outage, not a bug: answer 503 with <c>Retry-After</c> at once (the storage
/// layer's connect timeout bounds the wait) instead of a 500, so clients and load balancers back off and retry.
/// </summary>
internal sealed class StorageUnavailableHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not StorageUnavailableException)
        {
            return false;
        }

        httpContext.Response.Headers.RetryAfter = $"{SwitchboardErrorCodes.StorageRetryAfterSeconds}";
        await JsonRpcErrorResponse.WriteAsync(
            httpContext,
            StatusCodes.Status503ServiceUnavailable,
            SwitchboardErrorCodes.StorageUnavailable,
            $"Switchboard's database is unavailable; retry in {SwitchboardErrorCodes.StorageRetryAfterSeconds} s.");
        return true;
    }
}
