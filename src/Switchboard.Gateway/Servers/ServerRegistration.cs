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
    bool? Enabled = null);

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
    ToolPinning? Pinning)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public string Serialize() => JsonSerializer.Serialize(this, Json);

    /// <summary>The upstream settings <paramref name="server"/> describes.</summary>
    /// <exception cref="JsonException">Its stored settings are not readable.</exception>
    public static UpstreamOptions ToOptions(RegisteredServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        var settings = server.Settings is null ? null : JsonSerializer.Deserialize<StoredServerSettings>(server.Settings, Json);
        var options = new UpstreamOptions
        {
            Headers = new(settings?.Headers ?? [], StringComparer.OrdinalIgnoreCase),
            Args = settings?.Args ?? [],
            Env = new(settings?.Env ?? [], StringComparer.Ordinal),
            WorkingDirectory = settings?.WorkingDirectory,
            Pinning = settings?.Pinning ?? ToolPinning.Pin,
        };
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
}
