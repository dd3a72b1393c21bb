using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>One HTTP/1.1 response as it came off the wire.</summary>
/// <param name="Status">The status code; 0 when the server closed the connection without answering.</param>
/// <param name="Body">The body; for a chunked body, the JSON between the first <c>{</c> and the last <c>}</c>.</param>
internal sealed record RawResponse(int Status, string Body);

/// <summary>
/// Raw HTTP/1.1 over a socket, for requests <see cref="HttpClient"/> will not send (a repeated or malformed
/// Content-Type, an overflowing chunk size, a body that stalls).
/// </summary>
internal static class RawHttp
{
    private static readonly TimeSpan AnswerWait = TimeSpan.FromSeconds(60);

    /// <summary>Sends a request with a complete body and <c>Connection: close</c>, and reads the whole answer.</summary>
    public static Task<RawResponse> SendAsync(Uri server, string method, string path, string? bearer, IEnumerable<string> contentTypes, string body, CancellationToken cancellationToken)
    {
        var request = new StringBuilder();
        request.Append(CultureInfo.InvariantCulture, $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        if (bearer is not null)
        {
            request.Append(CultureInfo.InvariantCulture, $"Authorization: Bearer {bearer}\r\n");
        }

        request.Append("Accept: application/json, text/event-stream\r\n");
        foreach (string contentType in contentTypes)
        {
            request.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n");
        }

        request.Append(CultureInfo.InvariantCulture, $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}");
        return ExchangeAsync(server, request.ToString(), cancellationToken);
    }

    /// <summary>Writes <paramref name="request"/> as it is, then reads until the server closes the connection.</summary>
    public static async Task<RawResponse> ExchangeAsync(Uri server, string request, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port, cancellationToken);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request), cancellationToken);
        return await ReadAsync(stream, cancellationToken);
    }

    /// <summary>Reads a response until the server closes the connection.</summary>
    public static async Task<RawResponse> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string response;
        try
        {
            response = await reader.ReadToEndAsync(cancellationToken).WithinAsync(AnswerWait, $"The server neither finished its answer nor closed the connection within {AnswerWait.TotalSeconds:0} s.", cancellationToken);
        }
        catch (IOException) // reset after a refusal Kestrel answered by closing
        {
            return new RawResponse(0, string.Empty);
        }

        if (response.Length == 0)
        {
            return new RawResponse(0, string.Empty);
        }

        int status = int.Parse(response.Split(' ', 3)[1], CultureInfo.InvariantCulture);
        string body = response[(response.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)..];
        return new RawResponse(status, body.Contains('{', StringComparison.Ordinal) ? body[body.IndexOf('{', StringComparison.Ordinal)..(body.LastIndexOf('}') + 1)] : body);
    }
}
