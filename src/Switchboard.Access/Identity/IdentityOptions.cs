using Microsoft.Extensions.Options;
using Switchboard.Policy.RateLimiting;

namespace Switchboard.Access.Identity;

/// <summary>Who may call the gateway. Section <c>Identity</c>.</summary>
public sealed class IdentityOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Identity";

    /// <summary>
    /// The administrator key to create on the very first start, for unattended installs (from a secret store, as
    /// <c>SWITCHBOARD__Identity__BootstrapAdminKey</c>). Without it a key is generated and printed once.
    /// </summary>
    public string? BootstrapAdminKey { get; set; }

    /// <summary>OpenID Connect issuers whose JWT access tokens are accepted. Read at start; a change needs a restart.</summary>
    public List<JwtIssuerOptions> JwtIssuers { get; } = [];

    /// <summary>
    /// Failed authentications one client address may make before it is refused with 429 until the bucket refills
    /// (brute force, credential stuffing). Shared by the replicas through Redis when configured.
    /// </summary>
    public TokenBucket FailedAuthenticationLimit { get; set; } = new() { Permits = 30, Period = TimeSpan.FromMinutes(1), Burst = 30 };

    /// <summary>Switchboard's own short-lived tokens, issued at <c>POST /api/v1/tokens</c> to API key holders.</summary>
    public ServiceTokenOptions ServiceTokens { get; set; } = new();
}

/// <summary>Lifetimes of service tokens.</summary>
public sealed class ServiceTokenOptions
{
    /// <summary>How long a token lives when the request does not say.</summary>
    public TimeSpan DefaultLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest lifetime a request may ask for.</summary>
    public TimeSpan MaxLifetime { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>One trusted token issuer.</summary>
public sealed class JwtIssuerOptions
{
    /// <summary>The issuer URL, exactly as in the tokens' <c>iss</c>; discovery is at <c>{Issuer}/.well-known/openid-configuration</c>.</summary>
    public string Issuer { get; set; } = string.Empty;

    /// <summary>The audience (<c>aud</c>) tokens must carry for this gateway.</summary>
    public string Audience { get; set; } = string.Empty;

    /// <summary>The claim that carries the caller's groups or roles.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>
    /// Claim value → Switchboard role. When empty, claim values that name an existing role (built-in, configured or
    /// stored) are taken as that role and the others grant nothing; when not, unmapped values grant nothing.
    /// </summary>
    public Dictionary<string, string> RoleMappings { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether discovery must use HTTPS. Only a loopback issuer may turn this off.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// The shortest time between two fetches of the issuer's keys when a token names a key id not seen yet (key
    /// rotation). Keys are also refetched every 12 hours.
    /// </summary>
    public TimeSpan KeyRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);
}

/// <summary>Checks issuers at start, with messages that say what to fix.</summary>
public sealed class IdentityOptionsValidator : IValidateOptions<IdentityOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, IdentityOptions options)
    {
        var failures = new List<string>();
        if (options.BootstrapAdminKey is { } key && !ApiKeyFormat.TryParse(key, out _, out _))
        {
            failures.Add($"Identity:BootstrapAdminKey is not a Switchboard API key: it must look like {ApiKeyFormat.Marker}<12 letters or digits>_<43 letters or digits>.");
        }

        if (options.FailedAuthenticationLimit is { Permits: <= 0 } or { Burst: <= 0 } or { Period.Ticks: <= 0 })
        {
            failures.Add("Identity:FailedAuthenticationLimit needs Permits, Burst and Period above zero.");
        }

        if (options.ServiceTokens.DefaultLifetime < TimeSpan.FromMinutes(1) || options.ServiceTokens.DefaultLifetime > options.ServiceTokens.MaxLifetime)
        {
            failures.Add("Identity:ServiceTokens:DefaultLifetime must be at least 00:01:00 and at most MaxLifetime.");
        }

        for (int i = 0; i < options.JwtIssuers.Count; i++)
        {
            var issuer = options.JwtIssuers[i];
            string path = $"Identity:JwtIssuers:{i}";
            if (!Uri.TryCreate(issuer.Issuer, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                failures.Add($"{path}:Issuer must be the issuer's absolute URL (its tokens' 'iss'), e.g. https://login.example.com/realms/agents.");
                continue;
            }

            if (uri.Scheme == "http" && (issuer.RequireHttpsMetadata || !uri.IsLoopback))
            {
                failures.Add($"{path}:Issuer '{issuer.Issuer}' is not HTTPS; only a loopback issuer with RequireHttpsMetadata=false may use HTTP.");
            }

            if (issuer.KeyRefreshInterval < TimeSpan.FromSeconds(1))
            {
                failures.Add($"{path}:KeyRefreshInterval must be at least 00:00:01.");
            }

            if (string.IsNullOrWhiteSpace(issuer.Audience))
            {
                failures.Add($"{path}:Audience is required: the 'aud' value the issuer puts in tokens meant for this gateway.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
