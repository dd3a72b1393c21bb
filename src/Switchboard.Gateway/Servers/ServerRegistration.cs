using System.Text.Json;
using System.Text.Json.Serialization;
using Switchboard.Storage.Model;
using Switchboard.Upstreams;

namespace Switchboard.Gateway.Servers;

/// <summary>A remote server to register: <see cref="Url"/> (Streamable HTTP) or <see cref="Command"/> (stdio).</summary>
/// <param name="Name">The server's name: lower-case letters, digits and single hyphens.</param>
/// <param name="Url">The upstream's Streamable HTTP endpoint.</param>
/// <param name="Headers">Headers sent with every request to it: its credentials. Stored, never shown or logged.</param>
/// <param name="Command">The executable of a stdio upstream.</param>
/// <param name="Args">Its arguments.</param>
/// <param name="Env">Its environment variables. Stored, never shown or logged.</param>
/// <param name="WorkingDirectory">Its working directory.</param>
/// <param name="Timeout">How long one request to it may take.</param>
/// <param name="Pinning">Tool-definition pinning: <c>pin</c> (the default), <c>warn</c> or <c>off</c>.</param>
/// <param name="Description">What the server is for.</param>
/// <param name="Enabled">False registers it without mounting it.</param>
/// <param name="HttpTransport">Which HTTP transport <paramref name="Url"/> speaks: <c>streamable-http</c> (the default), <c>sse</c> (legacy, 2024-11-05) or <c>auto</c>.</param>
/// <param name="Tools">Tools to rename (<c>rename: {upstream: exposed}</c>) or hide (<c>hide: [upstream]</c>).</param>
/// <param name="Resilience">Per-tool timeouts, retries, concurrency, circuit breaker, health checks and discovery.</param>
public sealed record AddServerRequest(
    string? Name,
    Uri? Url = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    string? Command = null,
    IReadOnlyList<string>? Args = null,
    IReadOnlyDictionary<string, string>? Env = null,
    string? WorkingDirectory = null,
    TimeSpan? Timeout = null,
    ToolPinning? Pinning = null,
    string? Description = null,
    bool? Enabled = null,
    UpstreamHttpTransport? HttpTransport = null,
    ToolSettings? Tools = null,
    ServerResilience? Resilience = null);

/// <summary>
/// A change to a stored registration (<c>PATCH /api/v1/servers/{name}</c>): what is given replaces the stored value,
/// what is left out is kept. Giving <c>url</c> to a stdio server makes it an HTTP one (its command, arguments and
/// environment go) and <c>command</c> the reverse; <c>headers</c>, <c>args</c> and <c>env</c> replace the whole set.
/// </summary>
public sealed record EditServerRequest(
    Uri? Url = null,
    IReadOnlyDictionary<string, string>? Headers = null,
    string? Command = null,
    IReadOnlyList<string>? Args = null,
    IReadOnlyDictionary<string, string>? Env = null,
    string? WorkingDirectory = null,
    TimeSpan? Timeout = null,
    ToolPinning? Pinning = null,
    string? Description = null,
    bool? Enabled = null,
    UpstreamHttpTransport? HttpTransport = null,
    ToolSettings? Tools = null,
    ServerResilience? Resilience = null)
{
    /// <summary>The names of the fields given, for the audit trail (never their values: headers and env are secrets).</summary>
    public IReadOnlyList<string> Changed() =>
    [
        .. new (string Field, bool Given)[]
        {
            ("url", Url is not null), ("headers", Headers is not null), ("command", Command is not null), ("args", Args is not null),
            ("env", Env is not null), ("workingDirectory", WorkingDirectory is not null), ("timeout", Timeout is not null),
            ("pinning", Pinning is not null), ("description", Description is not null), ("enabled", Enabled is not null),
            ("httpTransport", HttpTransport is not null), ("tools", Tools is not null),
            ("resilience", Resilience is not null),
        }.Where(f => f.Given).Select(f => f.Field),
    ];
}

/// <summary>Where a server's registration comes from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ServerSource>))]
public enum ServerSource
{
    /// <summary>A server built into Switchboard, mounted by <c>Servers:{name}:Enabled</c>.</summary>
    BuiltIn,

    /// <summary>A remote server in this replica's configuration (<c>Servers:{name}:Url</c> or <c>Command</c>).</summary>
    Configuration,

    /// <summary>Registered through the API or the CLI, stored in the database, served by every replica.</summary>
    Stored,
}

/// <summary>The settings of a stored registration besides its address, as JSON in <c>servers.settings</c>.</summary>
internal sealed record StoredServerSettings(
    Dictionary<string, string>? Headers,
    List<string>? Args,
    Dictionary<string, string>? Env,
    string? WorkingDirectory,
    TimeSpan? Timeout,
    ToolPinning? Pinning,
    UpstreamHttpTransport? HttpTransport = null,
    ToolSettings? Tools = null,
    ServerResilience? Resilience = null)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    /// <summary>The upstream settings <paramref name="server"/> describes.</summary>
    /// <exception cref="JsonException">Its stored settings are not readable.</exception>
    public static UpstreamOptions ToOptions(RegisteredServer server, CredentialProtector credentials)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(credentials);
        var settings = server.Settings is null ? null : JsonSerializer.Deserialize<StoredServerSettings>(server.Settings, Json);
        Dictionary<string, string> Decrypt(Dictionary<string, string>? stored, string field, StringComparer comparer)
        {
            try
            {
                return (stored ?? []).ToDictionary(p => p.Key, p => credentials.Unprotect(server.Name, $"{field}/{p.Key}", p.Value), comparer);
            }
            catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException)
            {
                throw new JsonException($"its {field} cannot be decrypted ({e.Message})", e);
            }
        }

        var options = new UpstreamOptions
        {
            Headers = Decrypt(settings?.Headers, "headers", StringComparer.OrdinalIgnoreCase),
            Args = settings?.Args ?? [],
            Env = Decrypt(settings?.Env, "env", StringComparer.Ordinal),
            WorkingDirectory = settings?.WorkingDirectory,
            Pinning = settings?.Pinning ?? ToolPinning.Pin,
            HttpTransport = settings?.HttpTransport ?? UpstreamHttpTransport.StreamableHttp,
            Tools = settings?.Tools ?? new ToolSettings(),
        };
        settings?.Resilience?.ApplyTo(options);
        if (settings?.Timeout is { } timeout)
        {
            options.Timeout = timeout;
        }

        if (server.Transport == ServerTransports.Http)
        {
            options.Url = Uri.TryCreate(server.Endpoint, UriKind.Absolute, out var url) ? url : throw new JsonException($"The stored URL '{server.Endpoint}' is not an absolute URL.");
        }
        else
        {
            options.Command = server.Endpoint;
        }

        return options;
    }
}

/// <summary>The <c>servers.transport</c> values.</summary>
internal static class ServerTransports
{
    public const string Http = "http";
    public const string Stdio = "stdio";
    public const string InProcess = "in-process";
    public const string Virtual = "virtual";
}
