namespace Switchboard.Upstreams.Http;

/// <summary>
/// OAuth 2.0 client credentials (RFC 6749 §4.4) the gateway uses to get its own access token for an HTTP upstream:
/// section <c>Servers:{name}:OAuth</c>. The token is sent as <c>Authorization: Bearer</c>, cached until shortly before it
/// expires, and fetched again once when the upstream answers 401.
/// </summary>
public sealed class ClientCredentialsSettings
{
    /// <summary>The authorization server's token endpoint; <c>https://</c>, or <c>http://</c> on a loopback address only.</summary>
    public Uri? TokenEndpoint { get; set; }

    /// <summary>The gateway's client id at that authorization server.</summary>
    public string? ClientId { get; set; }

    /// <summary>Its client secret: put it in a secret (an environment variable), never in a file. Never logged.</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The scopes to ask for; none asks for the client's default.</summary>
    public List<string> Scopes { get; set; } = [];

    /// <summary>What is wrong with these settings, each message starting with <paramref name="key"/>.</summary>
    internal static IEnumerable<string> Problems(string key, UpstreamOptions upstream)
    {
        if (upstream.OAuth is not { } oauth)
        {
            yield break;
        }

        if (upstream.Url is null)
        {
            yield return $"{key}:OAuth applies to an HTTP upstream only.";
        }

        if (oauth.TokenEndpoint is not { IsAbsoluteUri: true } endpoint
            || !(endpoint.Scheme == Uri.UriSchemeHttps || (endpoint.Scheme == Uri.UriSchemeHttp && endpoint.IsLoopback)))
        {
            yield return $"{key}:OAuth:TokenEndpoint must be an absolute https:// URL (http:// only on a loopback address): the client secret travels to it.";
        }

        if (string.IsNullOrWhiteSpace(oauth.ClientId) || string.IsNullOrEmpty(oauth.ClientSecret))
        {
            yield return $"{key}:OAuth needs ClientId and ClientSecret.";
        }

        if (upstream.Headers.ContainsKey("Authorization"))
        {
            yield return $"{key} sets both Headers:Authorization and OAuth: the OAuth token is the upstream's Authorization; remove one.";
        }
    }
}
