using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using ModelContextProtocol;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Gives the errors the framework answers without a body (routing's 404, 405 and 415, an authentication challenge,
/// Kestrel's request limits) the body every other error has: a JSON-RPC error on the MCP endpoints, problem details
/// elsewhere (<see cref="JsonRpcErrorResponse"/>).
/// </summary>
internal static class EmptyErrorBodies
{
    public static IApplicationBuilder UseErrorBodies(this IApplicationBuilder app) =>
        app.UseStatusCodePages(status => WriteAsync(status.HttpContext));

    private static Task WriteAsync(HttpContext context)
    {
        var (request, response) = (context.Request, context.Response);
        string message = response.StatusCode switch
        {
            StatusCodes.Status401Unauthorized => "Authentication required: send Authorization: Bearer with an API key or a token from a trusted issuer.",
            StatusCodes.Status404NotFound => "Nothing is served at this path; MCP clients use /mcp or /servers/{name}/mcp, the admin API is under /api/v1.",
            StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed here; allowed: {response.Headers.Allow}.",
            StatusCodes.Status415UnsupportedMediaType => "Unsupported media type: send the body as JSON in UTF-8, with one header Content-Type: application/json.",
            int code => $"{ReasonPhrases.GetReasonPhrase(code)}.",
        };
        return JsonRpcErrorResponse.WriteAsync(context, response.StatusCode, McpErrorCode.InvalidRequest, message);
    }
}
