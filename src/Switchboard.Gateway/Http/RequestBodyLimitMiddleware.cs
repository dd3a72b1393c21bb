using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using ModelContextProtocol;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Caps JSON-RPC request bodies and answers an oversized one with 413 and a JSON-RPC error that names the limit,
/// instead of Kestrel's bare status. Bodies without a Content-Length are capped as they stream.
/// </summary>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IOptionsMonitor<GatewayOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        long limit = options.CurrentValue.MaxRequestBodyBytes;
        long? length = context.Request.ContentLength;
        if (length > limit)
        {
            return RefuseAsync(context, limit);
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        // A declared length within the limit cannot be refused as too large (the server reads no more than it declares),
        // so only a body without one needs the guard below, and the common request skips its state machine.
        return length is null ? InvokeCappedAsync(context, limit) : next(context);
    }

    private async Task InvokeCappedAsync(HttpContext context, long limit)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge && !context.Response.HasStarted)
        {
            await RefuseAsync(context, limit);
        }
    }

    private static Task RefuseAsync(HttpContext context, long limit) =>
        JsonRpcErrorResponse.WriteAsync(
            context,
            StatusCodes.Status413PayloadTooLarge,
            McpErrorCode.InvalidRequest,
            $"The request body is larger than the gateway's limit of {limit} bytes (Gateway:MaxRequestBodyBytes).");
}
