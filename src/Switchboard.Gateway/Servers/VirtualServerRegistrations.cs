using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Naming;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Gateway.Servers;

/// <summary>A virtual server to store (<c>PUT /api/v1/virtual-servers/{name}</c>, <c>switchboard servers compose</c>).</summary>
/// <param name="Compose">The tools it serves, each <c>server/tool</c> by the name that server exposes.</param>
/// <param name="Description">What it is for.</param>
/// <param name="Enabled">False stores it without serving it.</param>
public sealed record VirtualServerRequest(IReadOnlyList<string>? Compose, string? Description = null, bool? Enabled = null);

/// <summary>
/// Virtual servers registered at run time: one row of <c>servers</c> each (transport <c>virtual</c>, no endpoint, the
/// composed tools in its settings), so they are stored, audited and applied by every replica like remote servers. A
/// replica that does not know the transport reads the row as a stdio server without a command and leaves it out as
/// invalid, never running anything.
/// </summary>
public sealed class VirtualServerRegistrations(IServerStore servers, IAuditStore audit, RegistryVersion version, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Stores <paramref name="request"/> as the virtual server <paramref name="name"/>, replacing one of that name;
    /// every replica serves it within about a second. True when it is new.
    /// </summary>
    /// <param name="name">The virtual server's name.</param>
    /// <param name="request">What it composes.</param>
    /// <param name="namesTaken">Names this process serves from its configuration or built in, refused here.</param>
    /// <param name="actor">Who stores it, for the audit trail.</param>
    /// <param name="cancellationToken">Cancels the change.</param>
    /// <exception cref="ServerChangeException">Invalid input, or the name is taken by another kind of server.</exception>
    public async Task<bool> PutAsync(string name, VirtualServerRequest request, IReadOnlySet<string> namesTaken, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(namesTaken);
        var compose = Validate(name, request.Compose);
        if (namesTaken.Contains(name))
        {
            throw new ServerChangeException($"The name '{name}' is taken by a server in this gateway's configuration or built into it; choose another name.", conflict: true);
        }

        var stored = await servers.GetAsync(name, cancellationToken);
        if (stored is not null && stored.Transport != ServerTransports.Virtual)
        {
            throw new ServerChangeException($"A remote server named '{name}' is registered; remove it first or choose another name.", conflict: true);
        }

        var now = time.GetUtcNow();
        var record = new RegisteredServer(
            name,
            ServerTransports.Virtual,
            string.Empty,
            JsonSerializer.Serialize(new VirtualSettings(compose), Json),
            request.Enabled ?? true,
            request.Description,
            stored?.CreatedAt ?? now,
            now);
        await servers.UpsertAsync(record, cancellationToken);
        await audit.AppendAsync(
            new AuditEventDraft(now, actor, "servers.compose", name, "ok", new JsonObject
            {
                ["created"] = stored is null,
                ["compose"] = new JsonArray([.. compose.Select(t => JsonValue.Create(t))]),
                ["enabled"] = record.Enabled,
            }.ToJsonString()),
            cancellationToken);
        await version.AnnounceChangeAsync(cancellationToken);
        return stored is null;
    }

    /// <summary>Whether <paramref name="server"/> is a virtual server's row.</summary>
    public static bool IsVirtual(RegisteredServer server) => server?.Transport == ServerTransports.Virtual;

    /// <summary>The tools a stored virtual server composes.</summary>
    /// <exception cref="JsonException">Its settings cannot be read.</exception>
    public static IReadOnlyList<string> ComposeOf(RegisteredServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        return (server.Settings is null ? null : JsonSerializer.Deserialize<VirtualSettings>(server.Settings, Json))?.Compose
            ?? throw new JsonException("it names no composed tools");
    }

    /// <summary>The entries of <paramref name="compose"/>, checked as configuration's <c>Servers:{name}:Compose</c> is.</summary>
    /// <exception cref="ServerChangeException">The name or an entry is invalid.</exception>
    public static IReadOnlyList<string> Validate(string name, IReadOnlyList<string>? compose)
    {
        if (string.IsNullOrEmpty(name) || !McpNames.IsValidServerName(name))
        {
            throw new ServerChangeException(
                $"'{name}' is not a valid server name: use lower-case letters, digits and single hyphens, at most {McpNames.MaxServerNameLength} characters.");
        }

        if (compose is not { Count: > 0 })
        {
            throw new ServerChangeException("Give 'compose': the tools the virtual server serves, each as server/tool.");
        }

        foreach (string entry in compose)
        {
            if (entry?.Split('/') is not [var owner, var tool] || owner.Length == 0 || tool.Length == 0 || owner == name)
            {
                throw new ServerChangeException($"'compose' has '{entry}'; name each tool as server/tool, of a server other than the virtual one.");
            }
        }

        return [.. compose.Distinct(StringComparer.Ordinal)];
    }

    private sealed record VirtualSettings(IReadOnlyList<string>? Compose);
}
