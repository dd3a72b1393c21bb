namespace Switchboard.Storage.Maintenance;

/// <summary>How a column's values travel in a portable export.</summary>
internal enum ColumnKind
{
    Text,
    Integer,
    Boolean,
    Timestamp,
}

/// <summary>A table in export order (parents before children) with its columns at the latest schema version.</summary>
internal sealed record TableInfo(string Name, string OrderBy, IReadOnlyList<(string Name, ColumnKind Kind)> Columns);

/// <summary>
/// The data tables of the logical schema, for export and import. A migration that adds a table or column adds it
/// here too (a test compares this list with the migrated database). <c>identity_version</c> and <c>registry_version</c> are left out on purpose:
/// they are change signals, not data (and so is <c>workflow_events</c>, the stream a run's SSE reads), and the rows an import writes move it through their triggers.
/// </summary>
internal static class SchemaCatalog
{
    public static IReadOnlyList<TableInfo> Tables { get; } =
    [
        new("principals", "id", [("id", ColumnKind.Text), ("name", ColumnKind.Text), ("kind", ColumnKind.Text), ("display_name", ColumnKind.Text), ("created_at", ColumnKind.Timestamp), ("disabled_at", ColumnKind.Timestamp)]),
        new("roles", "name", [("name", ColumnKind.Text), ("description", ColumnKind.Text), ("permissions", ColumnKind.Text), ("built_in", ColumnKind.Boolean), ("created_at", ColumnKind.Timestamp)]),
        new("principal_roles", "principal_id, role_name", [("principal_id", ColumnKind.Text), ("role_name", ColumnKind.Text)]),
        new("api_keys", "id", [("id", ColumnKind.Text), ("principal_id", ColumnKind.Text), ("name", ColumnKind.Text), ("prefix", ColumnKind.Text), ("hash", ColumnKind.Text), ("created_at", ColumnKind.Timestamp), ("expires_at", ColumnKind.Timestamp), ("revoked_at", ColumnKind.Timestamp), ("last_used_at", ColumnKind.Timestamp)]),
        new("audit_events", "seq", [("seq", ColumnKind.Integer), ("occurred_at", ColumnKind.Timestamp), ("actor", ColumnKind.Text), ("action", ColumnKind.Text), ("target", ColumnKind.Text), ("outcome", ColumnKind.Text), ("details", ColumnKind.Text), ("prev_hash", ColumnKind.Text), ("hash", ColumnKind.Text)]),
        new("audit_anchor", "id", [("id", ColumnKind.Integer), ("seq", ColumnKind.Integer), ("hash", ColumnKind.Text), ("occurred_at", ColumnKind.Timestamp), ("pruned_at", ColumnKind.Timestamp), ("pruned_count", ColumnKind.Integer)]),
        new("signing_keys", "id", [("id", ColumnKind.Text), ("secret", ColumnKind.Text), ("created_at", ColumnKind.Timestamp)]),
        new("jobs", "id", [("id", ColumnKind.Text), ("kind", ColumnKind.Text), ("principal_id", ColumnKind.Text), ("principal_roles", ColumnKind.Text), ("payload", ColumnKind.Text), ("state", ColumnKind.Text), ("priority", ColumnKind.Integer), ("run_at", ColumnKind.Timestamp), ("attempts", ColumnKind.Integer), ("max_attempts", ColumnKind.Integer), ("lease_owner", ColumnKind.Text), ("lease_token", ColumnKind.Text), ("lease_expires_at", ColumnKind.Timestamp), ("idempotency_key", ColumnKind.Text), ("cancel_requested", ColumnKind.Boolean), ("input_requests", ColumnKind.Text), ("input_responses", ColumnKind.Text), ("result", ColumnKind.Text), ("error", ColumnKind.Text), ("last_error", ColumnKind.Text), ("created_at", ColumnKind.Timestamp), ("updated_at", ColumnKind.Timestamp), ("finished_at", ColumnKind.Timestamp), ("expires_at", ColumnKind.Timestamp)]),
        new("workflows", "name, version", [("name", ColumnKind.Text), ("version", ColumnKind.Integer), ("source", ColumnKind.Text), ("created_by", ColumnKind.Text), ("created_at", ColumnKind.Timestamp)]),
        new("workflow_runs", "id", [("id", ColumnKind.Text), ("workflow", ColumnKind.Text), ("version", ColumnKind.Integer), ("principal_id", ColumnKind.Text), ("principal_roles", ColumnKind.Text), ("inputs", ColumnKind.Text), ("state", ColumnKind.Text), ("error", ColumnKind.Text), ("created_at", ColumnKind.Timestamp), ("updated_at", ColumnKind.Timestamp), ("finished_at", ColumnKind.Timestamp), ("parent_run_id", ColumnKind.Text), ("root_run_id", ColumnKind.Text), ("depth", ColumnKind.Integer), ("allotment", ColumnKind.Text), ("credential", ColumnKind.Text)]),
        new("workflow_steps", "run_id, key", [("run_id", ColumnKind.Text), ("key", ColumnKind.Text), ("step", ColumnKind.Text), ("position", ColumnKind.Integer), ("state", ColumnKind.Text), ("attempt", ColumnKind.Integer), ("run_at", ColumnKind.Timestamp), ("input", ColumnKind.Text), ("output", ColumnKind.Text), ("error", ColumnKind.Text), ("started_at", ColumnKind.Timestamp), ("finished_at", ColumnKind.Timestamp)]),
        new("servers", "name", [("name", ColumnKind.Text), ("transport", ColumnKind.Text), ("endpoint", ColumnKind.Text), ("settings", ColumnKind.Text), ("enabled", ColumnKind.Boolean), ("description", ColumnKind.Text), ("created_at", ColumnKind.Timestamp), ("updated_at", ColumnKind.Timestamp)]),
        new("tool_pins", "server, tool", [("server", ColumnKind.Text), ("tool", ColumnKind.Text), ("hash", ColumnKind.Text), ("pending_hash", ColumnKind.Text), ("first_seen_at", ColumnKind.Timestamp), ("changed_at", ColumnKind.Timestamp)]),
    ];
}
