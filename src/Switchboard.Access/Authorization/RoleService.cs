using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Switchboard.Policy;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Access.Authorization;

/// <summary>Where a role is defined, which decides whether it can be changed at run time.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RoleSource>))]
public enum RoleSource
{
    /// <summary>Shipped with Switchboard; fixed.</summary>
    BuiltIn,

    /// <summary>In <c>Policy:Roles</c>; changed by editing configuration.</summary>
    Configuration,

    /// <summary>Made through the API (or CLI); stored in the database.</summary>
    Stored,
}

/// <summary>A role as an administrator sees it.</summary>
/// <param name="Name">The role's name.</param>
/// <param name="Permissions">What it grants.</param>
/// <param name="Source">Where it is defined.</param>
/// <param name="Description">What it is for, when stored with one.</param>
public sealed record RoleInfo(string Name, IReadOnlyList<string> Permissions, RoleSource Source, string? Description);

/// <summary>Why a role change was refused; <see cref="Conflict"/> when it clashes with the state, not the input.</summary>
public sealed class RoleChangeException(string message, bool conflict = false) : ArgumentException(message)
{
    /// <summary>Whether the change conflicts with what exists (a fixed role, a role still held).</summary>
    public bool Conflict { get; } = conflict;
}

/// <summary>
/// Custom roles made at run time: stored in the database, audited, and in force on every replica within about a second
/// (at once on this one), whether made through the API or the CLI. Built-in and configured roles are listed but cannot be changed here.
/// </summary>
public sealed partial class RoleService(IPrincipalStore principals, IdentityVersion identity, AccessPolicyProvider policies, IOptionsMonitor<PolicyOptions> options, IAuditStore audit, TimeProvider time)
{
    /// <summary>Every role, built-in first, then configured, then stored, each by name.</summary>
    public async Task<IReadOnlyList<RoleInfo>> ListAsync(CancellationToken cancellationToken = default)
    {
        var configured = options.CurrentValue.Roles;
        var result = BuiltInRoles.All.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new RoleInfo(r.Key, r.Value, RoleSource.BuiltIn, null)).ToList();
        result.AddRange(configured.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => new RoleInfo(r.Key, r.Value, RoleSource.Configuration, null)));
        result.AddRange((await principals.ListRolesAsync(cancellationToken))
            .Where(r => !BuiltInRoles.All.ContainsKey(r.Name) && !configured.ContainsKey(r.Name))
            .Select(r => new RoleInfo(r.Name, r.Permissions, RoleSource.Stored, r.Description)));
        return result;
    }

    /// <summary>Creates or replaces the stored role <paramref name="name"/>.</summary>
    /// <exception cref="RoleChangeException">The name or a permission is invalid, or the role is built-in or configured.</exception>
    public async Task<RoleInfo> PutAsync(string name, IReadOnlyList<string> permissions, string? description, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        if (!RoleName().IsMatch(name))
        {
            throw new RoleChangeException($"'{name}' is not a valid role name: use 1 to 64 lowercase letters, digits, '-' or '_', starting with a letter or digit.");
        }

        RequireChangeable(name);
        if (permissions.Count == 0)
        {
            throw new RoleChangeException("A role needs at least one permission, e.g. \"tools:call utilities/*\".");
        }

        foreach (string permission in permissions)
        {
            if (!Permission.TryParse(permission, out _, out var error))
            {
                throw new RoleChangeException(error);
            }
        }

        var existing = (await principals.ListRolesAsync(cancellationToken)).FirstOrDefault(r => r.Name == name);
        await principals.UpsertRoleAsync(new Role(name, description, [.. permissions], false, existing?.CreatedAt ?? time.GetUtcNow()), cancellationToken);
        await ChangedAsync(actor, "roles.put", name, new JsonObject { ["permissions"] = new JsonArray([.. permissions.Select(p => JsonValue.Create(p))]) }, cancellationToken);
        return new RoleInfo(name, permissions, RoleSource.Stored, description);
    }

    /// <summary>Deletes the stored role <paramref name="name"/>; false when there is none.</summary>
    /// <exception cref="RoleChangeException">The role is built-in or configured, or a principal still holds it.</exception>
    public async Task<bool> DeleteAsync(string name, string actor, CancellationToken cancellationToken = default)
    {
        RequireChangeable(name);
        int holders = await principals.CountRoleHoldersAsync(name, cancellationToken);
        if (holders > 0)
        {
            throw new RoleChangeException($"The role '{name}' is held by {holders} principal(s); revoke their keys first.", conflict: true);
        }

        if (!await principals.DeleteRoleAsync(name, cancellationToken))
        {
            return false;
        }

        await ChangedAsync(actor, "roles.delete", name, null, cancellationToken);
        return true;
    }

    private void RequireChangeable(string name)
    {
        if (BuiltInRoles.All.ContainsKey(name))
        {
            throw new RoleChangeException($"'{name}' is a built-in role and cannot be changed; make a custom role with another name.", conflict: true);
        }

        if (options.CurrentValue.Roles.ContainsKey(name))
        {
            throw new RoleChangeException($"The role '{name}' is defined in configuration (Policy:Roles:{name}); change it there.", conflict: true);
        }
    }

    private async Task ChangedAsync(string actor, string action, string role, JsonObject? details, CancellationToken cancellationToken)
    {
        await audit.AppendAsync(new AuditEventDraft(time.GetUtcNow(), actor, action, role, "ok", details?.ToJsonString()), cancellationToken);
        // The change moved the identity version: every replica reloads its roles within about a second, this one now.
        await identity.AnnounceChangeAsync(cancellationToken);
        await policies.RefreshAsync(cancellationToken);
    }

    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,63}\z")]
    private static partial Regex RoleName();
}
