using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol;
using Switchboard.Gateway.Api;

namespace Switchboard.Gateway.Http;

/// <summary>
/// A request ASP.NET Core could not bind (malformed JSON, a query value of the wrong type) is the client's error:
/// answer with its 4xx status and what was wrong, not a 500.
/// </summary>
internal sealed class BadRequestHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad)
        {
            return false;
        }

        string message = httpContext.Request.Path.StartsWithSegments(AdminApi.Prefix, StringComparison.OrdinalIgnoreCase)
            ? RequestBodyErrors.Describe(httpContext, bad) ?? RequestBodyErrors.DescribeQuery(httpContext) ?? bad.Message
            : bad.Message;
        await JsonRpcErrorResponse.WriteAsync(httpContext, bad.StatusCode, McpErrorCode.InvalidRequest, message);
        return true;
    }
}
