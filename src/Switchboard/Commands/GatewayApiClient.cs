using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Host.Commands;

/// <summary>
/// The CLI's client of a running gateway's REST API (<c>/api/v1</c>), for commands that act as a principal (runs
/// belong to the key that starts them) rather than on the database as the operator. The gateway comes from
/// <c>--url</c> (else <see cref="UrlVariable"/>, else <see cref="SwitchboardHost.DefaultUrl"/>); the key only from
/// <see cref="KeyVariable"/>, never a flag, so that it does not show in the process list or the shell history.
/// </summary>
internal sealed class GatewayApiClient : IDisposable
{
    /// <summary>The environment variable naming the gateway's base URL.</summary>
    public const string UrlVariable = "SWITCHBOARD_URL";

    /// <summary>The environment variable holding the API key (or service token) the commands send.</summary>
    public const string KeyVariable = "SWITCHBOARD_API_KEY";

    private readonly HttpClient _http;

    private GatewayApiClient(Uri api, string key)
    {
        // No overall timeout: 'workflows run' follows a run's events for as long as the run takes; Ctrl+C stops it.
        _http = new HttpClient { BaseAddress = api, Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    /// <summary>The <c>--url</c> option every API command takes.</summary>
    public static Option<string?> UrlOption() => new("--url")
    {
        Description = $"The gateway's base URL, e.g. https://switchboard.internal (default: ${UrlVariable}, else {SwitchboardHost.DefaultUrl}). The API key is read from ${KeyVariable}.",
    };

    /// <summary>Runs <paramref name="run"/> with a client for the gateway the options name; a refusal or an unreachable gateway becomes a message and exit code 1.</summary>
    public static void Configure(Command command, Option<string?> url, Func<GatewayApiClient, ParseResult, CancellationToken, Task<int>> run)
    {
        command.Options.Add(url);
        command.SetAction(async (result, cancellationToken) =>
        {
            string address = result.GetValue(url) ?? Environment.GetEnvironmentVariable(UrlVariable) ?? SwitchboardHost.DefaultUrl;
            if (!Uri.TryCreate(address.TrimEnd('/') + "/api/v1/", UriKind.Absolute, out var api) || api.Scheme is not ("http" or "https"))
            {
                await Console.Error.WriteLineAsync($"switchboard: '{Shown.Text(address)}' is not an http:// or https:// URL; give the gateway's base URL, e.g. {SwitchboardHost.DefaultUrl}.");
                return 1;
            }

            if (Environment.GetEnvironmentVariable(KeyVariable) is not { Length: > 0 } key)
            {
                await Console.Error.WriteLineAsync($"switchboard: set {KeyVariable} to an API key (switchboard keys create) or a service token; this command acts as that principal.");
                return 1;
            }

            using var client = new GatewayApiClient(api, key);
            try
            {
                return await run(client, result, cancellationToken);
            }
            catch (GatewayApiException e)
            {
                await Console.Error.WriteLineAsync($"switchboard: {e.Message}");
                return 1;
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"switchboard: the gateway at {api} is unreachable: {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                await Console.Error.WriteLineAsync($"switchboard: {e.Message}");
                return 1;
            }
        });
    }

    /// <summary>GET, returning the JSON body; a non-2xx answer throws with the gateway's explanation.</summary>
    public async Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    /// <summary>POST with a JSON body, returning the JSON answer; a non-2xx answer throws with the gateway's explanation.</summary>
    public async Task<JsonNode> PostAsync(string path, JsonNode body, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body, cancellationToken);
        return await ReadAsync(response, cancellationToken);
    }

    /// <summary>Opens a Server-Sent Events stream (after <paramref name="lastEventId"/> when given); the caller disposes the response.</summary>
    public async Task<HttpResponseMessage> OpenEventsAsync(string path, string? lastEventId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId);
        }

        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                await ReadAsync(response, cancellationToken);
            }
        }

        return response;
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static async Task<JsonNode> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.IsSuccessStatusCode)
        {
            return JsonNode.Parse(body) ?? new JsonObject();
        }

        throw new GatewayApiException(Explain(response.StatusCode, body));
    }

    // A problem document's detail (and a workflow's errors with their lines); else the status.
    private static string Explain(HttpStatusCode status, string body)
    {
        JsonNode? problem = null;
        try
        {
            problem = body.Length > 0 ? JsonNode.Parse(body) : null;
        }
        catch (JsonException)
        {
            // not a problem document
        }

        string? detail = (problem as JsonObject)?["detail"]?.GetValue<string>();
        string reason = status switch
        {
            HttpStatusCode.Unauthorized => $"the gateway refused the key in {KeyVariable} (401)",
            HttpStatusCode.Forbidden => "the key may not do this (403)",
            _ => $"{(int)status} {status}",
        };
        // Line by line, each escaped: the detail may quote the caller's own text (a definition's lines).
        return detail is null ? reason : $"{string.Join(Environment.NewLine + "  ", detail.Split('\n').Select(Shown.Text))} ({(int)status})";
    }
}

/// <summary>The gateway answered with an error; the message is what it said.</summary>
internal sealed class GatewayApiException(string message) : Exception(message);
