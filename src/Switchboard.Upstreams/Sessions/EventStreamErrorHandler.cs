using System.Text;

namespace Switchboard.Upstreams.Sessions;

/// <summary>
/// Hands the SDK client an upstream's refusal as the JSON it can read. An SDK 2.4 server refuses some 2026-07-28
/// requests (-32021 a missing client capability, among others) with HTTP 400 and the JSON-RPC error as a
/// <c>text/event-stream</c> event; the SDK client reads a JSON-RPC error only from an <c>application/json</c> body and
/// otherwise throws <see cref="HttpRequestException"/>, which would hide the upstream's own answer behind
/// "unreachable" and count it against the upstream's circuit. The first event's data becomes the body.
/// </summary>
internal sealed class EventStreamErrorHandler : DelegatingHandler
{
    // An error event is a few hundred bytes; a larger body is left as it is.
    private const int MaxErrorBody = 64 * 1024;

    public EventStreamErrorHandler(HttpMessageHandler inner) => InnerHandler = inner;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return response;
        }

        try
        {
            await response.Content.LoadIntoBufferAsync(MaxErrorBody, cancellationToken);
        }
        catch (HttpRequestException)
        {
            return response; // too large for an error event, or cut off: the client reports the status
        }

        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (FirstEventData(body) is { } data)
        {
            response.Content = new StringContent(data, Encoding.UTF8, "application/json");
        }

        return response;
    }

    private static string? FirstEventData(string body)
    {
        var data = new StringBuilder();
        foreach (string line in body.Split('\n'))
        {
            string text = line.TrimEnd('\r');
            if (text.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(text.AsSpan(text.StartsWith("data: ", StringComparison.Ordinal) ? 6 : 5)).Append('\n');
            }
            else if (text.Length == 0 && data.Length > 0)
            {
                break; // the end of the first event
            }
        }

        return data.Length > 0 ? data.ToString().TrimEnd('\n') : null;
    }
}
