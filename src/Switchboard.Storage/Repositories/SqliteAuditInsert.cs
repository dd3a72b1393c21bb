using Microsoft.Data.Sqlite;
using SQLitePCL;
using Switchboard.Storage.Audit;
using Switchboard.Storage.Database;
using Switchboard.Storage.Model;

namespace Switchboard.Storage.Repositories;

/// <summary>
/// SQLite's audit INSERT, run through SQLitePCL's statement API on the connection's own handle, inside the transaction
/// the caller began on that connection: one statement compiled once, each event's fields bound by position as the
/// UTF-8 its hash was computed over (<see cref="AuditEventEncoding"/>), then stepped and reset. Through
/// Microsoft.Data.Sqlite each row cost a <c>SqliteDataReader</c>, a lookup of nine parameter names and a binder object
/// per value, about as much CPU as SQLite's own insert (issue 18). Values are the same as before: seq an INTEGER, every
/// other column TEXT or NULL. One row per statement on purpose: a multi-row INSERT measured slower (SQLite keeps a
/// statement journal for it, a copy of every page it touches, so that a failing row can undo the statement's others).
/// </summary>
internal sealed class SqliteAuditInsert : IDisposable
{
    private const string Sql = "INSERT INTO audit_events (seq, occurred_at, actor, action, target, outcome, details, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    private const uint PreparePersistent = 1; // SQLITE_PREPARE_PERSISTENT: kept for the connection's life

    private readonly sqlite3 _db;
    private readonly AuditEventEncoding _encoding = new();
    private sqlite3_stmt? _insert;

    public SqliteAuditInsert(SqliteConnection connection) =>
        _db = connection.Handle ?? throw new InvalidOperationException("The SQLite connection is not open.");

    /// <summary>Hashes and inserts <paramref name="drafts"/> in order after the chain's tail.</summary>
    public AuditEvent[] Append(IReadOnlyList<AuditEventDraft> drafts, long lastSeq, string? lastHash)
    {
        if (_insert is null)
        {
            Check(raw.sqlite3_prepare_v3(_db, Sql, PreparePersistent, out var prepared));
            _insert = prepared;
        }

        var appended = new AuditEvent[drafts.Count];
        for (int i = 0; i < drafts.Count; i++)
        {
            var draft = drafts[i];
            var seq = lastSeq + 1;
            var at = StorageDatabase.Normalize(draft.OccurredAt);
            _encoding.Encode(seq, lastHash, at, draft.Actor, draft.Action, draft.Target, draft.Outcome, draft.Details);
            try
            {
                Check(raw.sqlite3_bind_int64(_insert, 1, seq));
                BindText(2, AuditEventEncoding.OccurredAt);
                BindText(3, AuditEventEncoding.Actor);
                BindText(4, AuditEventEncoding.Action);
                BindText(5, AuditEventEncoding.Target);
                BindText(6, AuditEventEncoding.Outcome);
                BindText(7, AuditEventEncoding.Details);
                BindText(8, AuditEventEncoding.PrevHash);
                Check(raw.sqlite3_bind_text(_insert, 9, _encoding.HashUtf8));
                int done = raw.sqlite3_step(_insert);
                if (done != raw.SQLITE_DONE)
                {
                    Check(done);
                }
            }
            finally
            {
                // Ends the statement's run (a failed one too), so it holds nothing of the transaction.
                raw.sqlite3_reset(_insert);
            }

            appended[i] = new AuditEvent(seq, at, draft.Actor, draft.Action, draft.Target, draft.Outcome, draft.Details, lastHash, _encoding.Hash);
            (lastSeq, lastHash) = (seq, _encoding.Hash);
        }

        return appended;
    }

    public void Dispose()
    {
        _insert?.Dispose();
        _insert = null;
        _encoding.Dispose();
    }

    // SQLite copies the bytes (SQLITE_TRANSIENT). An empty field binds as empty text, not NULL (AuditWriterRowsTests).
    private void BindText(int index, int field) =>
        Check(_encoding.Utf8(field, out var value) ? raw.sqlite3_bind_text(_insert, index, value) : raw.sqlite3_bind_null(_insert, index));

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
