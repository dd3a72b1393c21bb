using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Switchboard.Upstreams.Http;

/// <summary>
/// Adds the gateway's own OAuth access token (client credentials grant) to every request to one upstream. The token
/// is cached until shortly before it expires; a 401 from the upstream fetches a new one and sends the request once
/// more. Whatever the caller sent never reaches here: the gateway speaks to the upstream as itself.
/// </summary>
internal sealed class ClientCredentialsHandler(ClientCredentialsSettings settings, TimeProvider timeProvider, HttpMessageHandler inner) : DelegatingHandler(inner)
{
    // A token is renewed this long before it expires (or at 4/5 of a shorter life), so no request carries one that
    // expires in flight.
    private static readonly TimeSpan RenewBefore = TimeSpan.FromSeconds(60);

    private readonly HttpClient _tokenClient = new(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) }) { Timeout = TimeSpan.FromSeconds(30) };
    private readonly SemaphoreSlim _fetching = new(1, 1);
    private CachedToken? _token;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string token = await TokenAsync(rejected: null, cancellationToken);
        if (request.Content is not null)
        {
            await request.Content.LoadIntoBufferAsync(cancellationToken); // so that it can be sent a second time
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await base.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.Unauthorized)
        {
            return response;
        }

        // Revoked or rotated before its time: one new token, one more try; a second 401 is the upstream's answer.
        response.Dispose();
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(rejected: token, cancellationToken));
        return await base.SendAsync(request, cancellationToken);
    }

    private async Task<string> TokenAsync(string? rejected, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _token) is { } cached && cached.Value != rejected && timeProvider.GetUtcNow() < cached.RenewAt)
        {
            return cached.Value;
        }

        await _fetching.WaitAsync(cancellationToken);
        try
        {
            // Another request may have fetched one while this one waited.
            if (Volatile.Read(ref _token) is { } raced && raced.Value != rejected && timeProvider.GetUtcNow() < raced.RenewAt)
            {
                return raced.Value;
            }

            var fresh = await FetchAsync(cancellationToken);
            Volatile.Write(ref _token, fresh);
            return fresh.Value;
        }
        finally
        {
            _fetching.Release();
        }
    }

    private async Task<CachedToken> FetchAsync(CancellationToken cancellationToken)
    {
        var form = new Dictionary<string, string> { ["grant_type"] = "client_credentials" };
        if (settings.Scopes.Count > 0)
        {
            form["scope"] = string.Join(' ', settings.Scopes);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, settings.TokenEndpoint) { Content = new FormUrlEncodedContent(form) };
        // client_secret_basic, which every authorization server supports (RFC 6749 §2.3.1), each part form-encoded.
        string credentials = $"{Uri.EscapeDataString(settings.ClientId!)}:{Uri.EscapeDataString(settings.ClientSecret!)}";
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials)));
        var issuedAt = timeProvider.GetUtcNow();
        HttpResponseMessage response;
        try
        {
            response = await _tokenClient.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new UpstreamCredentialsException($"the token endpoint could not be reached ({e.HttpRequestError})", e);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                // The body may echo what was sent; only the status is kept.
                throw new UpstreamCredentialsException($"the token endpoint answered HTTP {(int)response.StatusCode}");
            }

            TokenResponse? body;
            try
            {
                body = await response.Content.ReadFromJsonAsync(TokenResponseContext.Default.TokenResponse, cancellationToken);
            }
            catch (JsonException e)
            {
                throw new UpstreamCredentialsException("the token endpoint's answer is not a token response", e);
            }

            if (body is not { AccessToken: { Length: > 0 } value })
            {
                throw new UpstreamCredentialsException("the token endpoint's answer has no access_token");
            }

            // No expires_in: the token's life is unknown, so it is kept for a short while only.
            var lifetime = TimeSpan.FromSeconds(body.ExpiresIn is > 0 and var seconds ? seconds : 300);
            var renewBefore = lifetime / 5 < RenewBefore ? lifetime / 5 : RenewBefore;
            return new CachedToken(value, issuedAt + lifetime - renewBefore);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _tokenClient.Dispose();
            _fetching.Dispose();
        }

        base.Dispose(disposing);
    }

    private sealed record CachedToken(string Value, DateTimeOffset RenewAt);
}

/// <summary>An RFC 6749 §5.1 token response, the parts the gateway uses.</summary>
internal sealed record TokenResponse(
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_in")] long? ExpiresIn);

[JsonSerializable(typeof(TokenResponse))]
internal sealed partial class TokenResponseContext : JsonSerializerContext;

/// <summary>The gateway could not get its own access token for an upstream. The message names no secret.</summary>
internal sealed class UpstreamCredentialsException(string message, Exception? inner = null) : HttpRequestException(message, inner);
