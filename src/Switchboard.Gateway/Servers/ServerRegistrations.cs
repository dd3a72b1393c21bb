using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Naming;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;
using Switchboard.Upstreams;

namespace Switchboard.Gateway.Servers;

/// <summary>Why a registration change was refused; <see cref="Conflict"/> when it clashes with what exists, not the input.</summary>
public sealed class ServerChangeException(string message, bool conflict = false) : ArgumentException(message)
{
    /// <summary>Whether the change conflicts with what exists (a name taken).</summary>
    public bool Conflict { get; } = conflict;
}

/// <summary>
/// Servers registered at run time: stored in the database, audited, and applied by every gateway replica within about a
/// second (at once with Redis), whether registered through the API or the CLI. Tool-definition approvals too.
/// </summary>
public sealed class ServerRegistrations(IServerStore servers, IToolPinStore pins, IAuditStore audit, RegistryVersion version, TimeProvider time, CredentialProtector credentials)
{
    /// <summary>Every stored registration, by name.</summary>
    public Task<IReadOnlyList<RegisteredServer>> ListAsync(CancellationToken cancellationToken = default) => servers.ListAsync(cancellationToken);

    /// <summary>The stored registration <paramref name="name"/>, or null.</summary>
    public Task<RegisteredServer?> GetAsync(string name, CancellationToken cancellationToken = default) => servers.GetAsync(name, cancellationToken);

    /// <summary>The pinned tool definitions of <paramref name="name"/>.</summary>
    public Task<IReadOnlyList<ToolPin>> PinsAsync(string name, CancellationToken cancellationToken = default) => pins.ListAsync(name, cancellationToken);

    /// <summary>
    /// Checks <paramref name="request"/> and turns it into upstream settings.
    /// </summary>
    /// <exception cref="ServerChangeException">A name or setting is invalid; the message says which and how to fix it.</exception>
    public static (string Name, UpstreamOptions Options) Validate(AddServerRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrEmpty(request.Name) || !McpNames.IsValidServerName(request.Name))
        {
            throw new ServerChangeException(
                $"'{request.Name}' is not a valid server name: use lower-case letters, digits and single hyphens, at most {McpNames.MaxServerNameLength} characters.");
        }

        if (request.Url is null && request.Command is null)
        {
            throw new ServerChangeException("Give the upstream's 'url' (Streamable HTTP) or its 'command' (stdio).");
        }

        // The HTTP client does not send URL user information, and the URL is stored as it is, unencrypted: refused
        // rather than kept in plain text and silently dropped.
        if (request.Url is { IsAbsoluteUri: true, UserInfo.Length: > 0 })
        {
            throw new ServerChangeException(
                "'url' must not hold a user name or password (user:password@host): the gateway does not send them. Give the upstream's credentials in 'headers', e.g. \"Authorization\": \"Basic ...\".");
        }

        var options = new UpstreamOptions
        {
            Url = request.Url,
            Headers = new(request.Headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
            Command = request.Command,
            Args = [.. request.Args ?? []],
            Env = new(request.Env ?? new Dictionary<string, string>(), StringComparer.Ordinal),
            WorkingDirectory = request.WorkingDirectory,
            Pinning = request.Pinning ?? ToolPinning.Pin,
            HttpTransport = request.HttpTransport ?? UpstreamHttpTransport.StreamableHttp,
            Tools = request.Tools ?? new ToolSettings(),
        };
        request.Resilience?.ApplyTo(options);
        if (request.Timeout is { } timeout)
        {
            options.Timeout = timeout;
        }

        if (UpstreamsOptionsValidator.Problems(request.Name, options) is [var first, ..])
        {
            throw new ServerChangeException(first);
        }

        return (request.Name, options);
    }

    /// <summary>Stores a new registration; every replica mounts it.</summary>
    /// <param name="request">What to register.</param>
    /// <param name="namesTaken">Names this process serves from its configuration or built in, refused here.</param>
    /// <param name="actor">Who registers it, for the audit trail.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <exception cref="ServerChangeException">Invalid input, or the name is taken.</exception>
    public async Task<RegisteredServer> AddAsync(AddServerRequest request, IReadOnlySet<string> namesTaken, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(namesTaken);
        var (name, options) = Validate(request);
        if (namesTaken.Contains(name))
        {
            throw new ServerChangeException($"The name '{name}' is taken by a server in this gateway's configuration or built into it; choose another name.", conflict: true);
        }

        if (await servers.GetAsync(name, cancellationToken) is not null)
        {
            throw new ServerChangeException($"A server named '{name}' is registered already; remove it first to change it.", conflict: true);
        }

        var server = ToRecord(request, options, time.GetUtcNow());
        // A registration under a name used before starts with no pins: its tools are first seen again.
        await pins.DeleteServerAsync(name, cancellationToken);
        await servers.UpsertAsync(server, cancellationToken);
        await ChangedAsync(actor, "servers.add", name, WithCommand(options, new JsonObject
        {
            ["transport"] = server.Transport,
            ["endpoint"] = options.Url is { } url ? ServerInfo.Redact(url) : options.Command,
            ["pinning"] = options.Pinning.ToString().ToLowerInvariant(),
        }), cancellationToken);
        return server;
    }

    /// <summary>
    /// Changes a stored registration in place (what <paramref name="edit"/> gives replaces, the rest is kept); every
    /// replica mounts it again with the new settings. Its pins are kept: they are bound to the upstream's identity, so
    /// a new address makes every tool new while an unchanged one keeps its approvals. Null when there is no such server.
    /// </summary>
    /// <exception cref="ServerChangeException">The result would be invalid, or the stored settings cannot be read.</exception>
    public async Task<RegisteredServer?> EditAsync(string name, EditServerRequest edit, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(edit);
        if (await servers.GetAsync(name, cancellationToken) is not { } stored)
        {
            return null;
        }

        if (stored.Transport == ServerTransports.Virtual)
        {
            throw new ServerChangeException($"'{name}' is a virtual server; change it with PUT /api/v1/virtual-servers/{name} or switchboard servers compose.");
        }

        if (edit.Url is not null && edit.Command is not null)
        {
            throw new ServerChangeException("Give 'url' or 'command', not both: a remote server is reached over HTTP or over stdio.");
        }

        UpstreamOptions current;
        try
        {
            current = OptionsOf(stored);
        }
        catch (JsonException e)
        {
            throw new ServerChangeException($"The stored settings of '{name}' cannot be read ({e.Message}); remove the server and add it again.");
        }

        bool toHttp = edit.Url is not null, toStdio = edit.Command is not null;
        var merged = new AddServerRequest(
            name,
            toStdio ? null : edit.Url ?? current.Url,
            toStdio ? null : edit.Headers ?? current.Headers,
            toHttp ? null : edit.Command ?? current.Command,
            toHttp ? null : edit.Args ?? current.Args,
            toHttp ? null : edit.Env ?? current.Env,
            edit.WorkingDirectory ?? current.WorkingDirectory,
            edit.Timeout ?? current.Timeout,
            edit.Pinning ?? current.Pinning,
            edit.Description ?? stored.Description,
            edit.Enabled ?? stored.Enabled,
            toStdio ? null : edit.HttpTransport ?? current.HttpTransport,
            edit.Tools ?? current.Tools,
            edit.Resilience ?? ServerResilience.Of(current));
        var (_, options) = Validate(merged);

        // Stored headers are credentials for the upstream they were given for. Whoever may edit servers cannot read
        // them, so moving the server to another origin with them kept would let that person send them to any host.
        if (options.Url is { } to && edit.Url is not null && edit.Headers is null && current is { Url: { } from, Headers.Count: > 0 } && Origin(from) != Origin(to))
        {
            throw new ServerChangeException(
                $"'{name}' has stored headers ({string.Join(", ", current.Headers.Keys.Order(StringComparer.Ordinal))}), credentials for {Origin(from)}: "
                + $"to point it at {Origin(to)}, give 'headers' again in the same request, or \"headers\": {{}} to remove them.");
        }

        var server = ToRecord(merged, options, time.GetUtcNow()) with { CreatedAt = stored.CreatedAt };
        await servers.UpsertAsync(server, cancellationToken);
        await ChangedAsync(actor, "servers.edit", name, WithCommand(options, new JsonObject
        {
            ["changed"] = new JsonArray([.. edit.Changed().Select(f => JsonValue.Create(f))]),
            ["transport"] = server.Transport,
            ["endpoint"] = options.Url is { } url ? ServerInfo.Redact(url) : options.Command,
        }), cancellationToken);
        return server;
    }

    /// <summary>Removes a stored registration and its pins; every replica unmounts it. False when there was none.</summary>
    public async Task<bool> RemoveAsync(string name, string actor, CancellationToken cancellationToken = default)
    {
        if (!await servers.DeleteAsync(name, cancellationToken))
        {
            return false;
        }

        await pins.DeleteServerAsync(name, cancellationToken);
        await ChangedAsync(actor, "servers.remove", name, null, cancellationToken);
        return true;
    }

    /// <summary>
    /// Approves the changed tool definitions of <paramref name="name"/> awaiting approval (only <paramref name="tool"/>'s when
    /// given); every replica serves them again. Returns the tools approved; none when nothing awaited approval.
    /// </summary>
    public async Task<IReadOnlyList<string>> ApproveAsync(string name, string? tool, string actor, CancellationToken cancellationToken = default)
    {
        var approved = await pins.ApproveAsync(name, tool, cancellationToken);
        if (approved.Count > 0)
        {
            await ChangedAsync(actor, "servers.approve", name, new JsonObject { ["tools"] = new JsonArray([.. approved.Select(t => JsonValue.Create(t))]) }, cancellationToken);
        }

        return approved;
    }

    // Scheme, host and port: where credentials go. The path and query may change without giving them again.
    private static string Origin(Uri url) => url.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);

    // What a stdio server runs, for the audit trail: the command alone does not say what `sh -c` is told to do.
    // Environment values are credentials: only their names, as GET /api/v1/servers shows them.
    private static JsonObject WithCommand(UpstreamOptions options, JsonObject details)
    {
        if (options.Url is null)
        {
            details["args"] = new JsonArray([.. options.Args.Select(a => JsonValue.Create(a))]);
            details["env"] = new JsonArray([.. options.Env.Keys.Order(StringComparer.Ordinal).Select(k => JsonValue.Create(k))]);
            details["workingDirectory"] = options.WorkingDirectory;
        }

        return details;
    }

    // Header and environment values are encrypted (CredentialProtector); names stay readable for `servers show`.
    private RegisteredServer ToRecord(AddServerRequest request, UpstreamOptions options, DateTimeOffset now)
    {
        string name = request.Name!;
        var settings = new StoredServerSettings(
            options.Url is not null ? options.Headers.ToDictionary(h => h.Key, h => credentials.Protect(name, $"headers/{h.Key}", h.Value)) : null,
            options.Url is null ? options.Args : null,
            options.Url is null ? options.Env.ToDictionary(e => e.Key, e => credentials.Protect(name, $"env/{e.Key}", e.Value)) : null,
            options.WorkingDirectory,
            request.Timeout,
            options.Pinning,
            options.Url is not null && options.HttpTransport != UpstreamHttpTransport.StreamableHttp ? options.HttpTransport : null,
            options.Tools.Rename.Count + options.Tools.Hide.Count > 0 ? options.Tools : null,
            request.Resilience);
        return new RegisteredServer(
            request.Name!,
            options.Url is not null ? ServerTransports.Http : ServerTransports.Stdio,
            options.Url?.AbsoluteUri ?? options.Command!,
            settings.Serialize(),
            request.Enabled ?? true,
            request.Description,
            now,
            now);
    }

    /// <summary>The upstream settings of a stored registration, its credentials decrypted.</summary>
    /// <exception cref="JsonException">They cannot be read or decrypted.</exception>
    public UpstreamOptions OptionsOf(RegisteredServer server) => OptionsOf(server, credentials);

    /// <inheritdoc cref="OptionsOf(RegisteredServer)"/>
    public static UpstreamOptions OptionsOf(RegisteredServer server, CredentialProtector credentials) => StoredServerSettings.ToOptions(server, credentials);

    private async Task ChangedAsync(string actor, string action, string target, JsonObject? details, CancellationToken cancellationToken)
    {
        await audit.AppendAsync(new AuditEventDraft(time.GetUtcNow(), actor, action, target, "ok", details?.ToJsonString()), cancellationToken);
        await version.AnnounceChangeAsync(cancellationToken);
    }
}
