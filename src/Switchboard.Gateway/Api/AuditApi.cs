using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Switchboard.Policy;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Gateway.Api;

/// <summary>One page of audit events, oldest first; <see cref="Next"/> is the <c>after</c> of the next page.</summary>
/// <param name="Events">The events.</param>
/// <param name="Next">Pass as <c>after</c> to continue; null when this page was the last.</param>
public sealed record AuditPage(IReadOnlyList<AuditEventView> Events, long? Next);

/// <summary>An audit event as the API shows it: <see cref="Details"/> as JSON, not as text.</summary>
public sealed record AuditEventView(long Seq, DateTimeOffset OccurredAt, string Actor, string Action, string? Target, string Outcome, JsonNode? Details, string? PrevHash, string Hash);

/// <summary><c>/api/v1/audit</c>: query and verify the audit trail, behind <c>admin:audit</c>.</summary>
internal static class AuditApi
{
    private const int MaxPageSize = 1000;

    public static void MapAuditApi(this RouteGroupBuilder api)
    {
        var audit = api.MapGroup("/audit");
        audit.MapGet("/", QueryAsync).Requires(Actions.ReadAudit);
        audit.MapGet("/verify", async (IAuditStore store, CancellationToken ct) => TypedResults.Ok(await store.VerifyAsync(ct)))
            .Requires(Actions.ReadAudit);
    }

    private static async Task<IResult> QueryAsync(
        IAuditStore store,
        CancellationToken ct,
        DateTimeOffset? from = null,
        DateTimeOffset? to = null,
        string? actor = null,
        string? action = null,
        string? target = null,
        string? outcome = null,
        long? after = null,
        int limit = 100)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            return AdminApi.BadRequest($"'limit' must be between 1 and {MaxPageSize}.");
        }

        var events = await store.QueryAsync(new AuditQuery(from, to, actor, action, after, limit, target, outcome), ct);
        return TypedResults.Ok(new AuditPage(
            [.. events.Select(e => new AuditEventView(e.Seq, e.OccurredAt, e.Actor, e.Action, e.Target, e.Outcome, e.Details is null ? null : JsonNode.Parse(e.Details), e.PrevHash, e.Hash))],
            events.Count == limit ? events[^1].Seq : null));
    }
}
