using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using ModelContextProtocol;
using Switchboard.Gateway.Api;

namespace Switchboard.Gateway.Http;

/// <summary>
/// How the gateway takes a JSON request body: declared as <c>application/json</c> in UTF-8 (RFC 8259 §8.1) exactly
/// once, and read whole into memory (pooled for all but large bodies), never to disk. Kestrel enforces <c>Gateway:MaxRequestBodyBytes</c> as it
/// streams (<see cref="RequestBodyLimitMiddleware"/>), so the buffer never grows past it.
/// </summary>
internal static class JsonRequestBody
{
    private const string Canonical = "application/json; charset=utf-8";
    private const int UnknownLengthCapacity = 16 * 1024;

    /// <summary>
    /// Whether <paramref name="request"/> declares JSON in UTF-8 exactly once. ASP.NET Core's JSON readers throw on a
    /// missing header, a repeated one or a quoted charset (<c>charset="utf-8"</c>, valid per RFC 9110), so an accepted
    /// header is rewritten to the form they all read.
    /// </summary>
    public static bool HasJsonContentType(HttpRequest request)
    {
        var values = request.Headers.ContentType;
        if (values.Count == 1 && values[0] is "application/json" or Canonical)
        {
            return true; // what nearly every client sends, and every reader takes as it is: nothing to parse or rewrite
        }

        if (values.Count != 1 || !MediaTypeHeaderValue.TryParse(values[0], out var mediaType)
            || !mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var charset = HeaderUtilities.RemoveQuotes(mediaType.Charset);
        if (charset.Length > 0 && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        request.ContentType = Canonical;
        return true;
    }

    public static Task RefuseMediaTypeAsync(HttpContext context) =>
        JsonRpcErrorResponse.WriteAsync(
            context,
            StatusCodes.Status415UnsupportedMediaType,
            McpErrorCode.InvalidRequest,
            "Unsupported media type: send the body as JSON in UTF-8, with one header Content-Type: application/json.");

    /// <summary>
    /// The whole body in a <see cref="BodyBuffer"/>, which the caller disposes. A body that cannot be read because of
    /// what the client sent (a malformed chunk size, which Kestrel reports as a plain <see cref="IOException"/>) is a
    /// <see cref="BadHttpRequestException"/>, answered 400 by <see cref="BadRequestHandler"/>.
    /// </summary>
    public static async Task<BodyBuffer> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var body = new BodyBuffer((int)(request.ContentLength ?? UnknownLengthCapacity) + 1);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(body.FreeSpace, cancellationToken)) > 0)
            {
                body.Advance(read);
            }

            return body;
        }
        catch (IOException e) when (e is not BadHttpRequestException && !cancellationToken.IsCancellationRequested)
        {
            body.Dispose();
            throw new BadHttpRequestException($"The request body could not be read: {e.Message}", StatusCodes.Status400BadRequest, e);
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>
    /// For the admin API: refuses a body that is not JSON in UTF-8 (its JSON binding would throw), malformed, or with a
    /// member repeated, and hands the endpoint the body from memory.
    /// </summary>
    public static async Task BufferAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        if (request.ContentLength is null or 0 && request.Headers.TransferEncoding.Count == 0)
        {
            await next(context);
            return;
        }

        if (!HasJsonContentType(request))
        {
            await RefuseMediaTypeAsync(context);
            return;
        }

        using var body = await ReadAsync(request, context.RequestAborted);
        if (RequestBodyErrors.DocumentProblem(body.Content) is { } problem)
        {
            await JsonRpcErrorResponse.WriteAsync(context, StatusCodes.Status400BadRequest, McpErrorCode.ParseError, problem);
            return;
        }

        request.Body = body.AsStream();
        await next(context);
    }
}
