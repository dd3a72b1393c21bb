using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using Switchboard.Storage.Database;

namespace Switchboard.Storage.Workflows;

/// <summary>A definition version that is not newer than the stored ones.</summary>
public sealed class WorkflowVersionConflictException(string message) : Exception(message);

/// <summary>
/// Workflow definitions (versioned per name), runs and their step executions. Every change to a run goes through
/// <see cref="UpdateRunAsync"/>: one transaction that locks the run's row, reads the run and its steps, applies the
/// caller's decision and records an event per state change. Two workers deciding about one run are serialized, so
/// each transition (a step completed, the run failed) happens exactly once.
/// </summary>
public sealed class WorkflowStore(StorageDatabase database, TimeProvider time)
{
    private const string RunColumns = "id, workflow, version, principal_id, principal_roles, inputs, state, error, created_at, updated_at, finished_at, parent_run_id, root_run_id, depth, allotment, credential";
    private const string StepColumns = "key, step, position, state, attempt, run_at, input, output, error, started_at, finished_at";

    private bool IsPostgres => database.Provider == StorageProvider.PostgreSql;

    /// <summary>
    /// Stores a new version of <paramref name="name"/>: <paramref name="version"/> when given (it must be newer than
    /// every stored one), else the next number. Returns the stored version.
    /// </summary>
    public Task<WorkflowVersion> AddVersionAsync(string name, int? version, string source, string createdBy, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            // The exclusive transaction serializes writers, so two submissions cannot take one number.
            await using var transaction = await database.BeginExclusiveAsync(connection, 0x5767666c, ct);
            int latest;
            await using (var read = connection.Command("SELECT COALESCE(MAX(version), 0) FROM workflows WHERE name = @name", transaction).With("name", name))
            {
                latest = Convert.ToInt32(await read.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
            }

            if (version is { } wanted && wanted <= latest)
            {
                throw new WorkflowVersionConflictException($"The workflow '{name}' already has version {latest}; declare a higher version, or leave 'version' out to get {latest + 1}.");
            }

            var stored = new WorkflowVersion(name, version ?? latest + 1, source, createdBy, StorageDatabase.Normalize(time.GetUtcNow()));
            await using (var insert = connection.Command("INSERT INTO workflows (name, version, source, created_by, created_at) VALUES (@name, @version, @source, @by, @at)", transaction))
            {
                insert.With("name", name).With("version", stored.Version).With("source", source).With("by", createdBy).With("at", database.ToDb(stored.CreatedAt));
                await insert.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return stored;
        }, cancellationToken);

    /// <summary>Every stored version of every workflow, without their sources, by name then version.</summary>
    public Task<List<WorkflowVersion>> ListVersionsAsync(CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT name, version, '', created_by, created_at FROM workflows ORDER BY name, version", _ => { }, ReadVersion, cancellationToken);

    /// <summary>The version asked for, or the latest when <paramref name="version"/> is null; null when there is none.</summary>
    public async Task<WorkflowVersion?> GetVersionAsync(string name, int? version, CancellationToken cancellationToken = default) =>
        (await QueryAsync(
            "SELECT name, version, source, created_by, created_at FROM workflows WHERE name = @name" + (version is null ? " ORDER BY version DESC LIMIT 1" : " AND version = @version"),
            c => c.With("name", name).With("version", version ?? 0),
            ReadVersion,
            cancellationToken)).FirstOrDefault();

    /// <summary>
    /// Creates a run and its first step rows in one transaction; returns it once committed. With an <paramref name="id"/>
    /// that exists already, returns that run unchanged (a repeated start). A run started by another run carries its
    /// <paramref name="lineage"/>, written in the same transaction. <paramref name="credential"/> is the key that started
    /// it (<see cref="WorkflowRun.Credential"/>).
    /// </summary>
    public Task<RunSnapshot> CreateRunAsync(string workflow, int version, string principalId, IReadOnlyList<string> principalRoles, string? credential, string inputs, IReadOnlyList<StepRow> steps, string? id = null, RunLineage? lineage = null, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            var now = StorageDatabase.Normalize(time.GetUtcNow());
            var run = new WorkflowRun(id ?? NewId(), workflow, version, principalId, principalRoles, inputs, RunState.Running, null, now, now, null) { Lineage = lineage, Credential = credential };
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await using (var insert = connection.Command(
                "INSERT INTO workflow_runs (" + RunColumns + ") VALUES (@id, @workflow, @version, @principal, @roles, @inputs, @state, NULL, @now, @now, NULL, @parent, @root, @depth, @allotment, @credential) ON CONFLICT (id) DO NOTHING", transaction))
            {
                insert.With("id", run.Id).With("workflow", workflow).With("version", version).With("principal", principalId)
                    .With("roles", JsonSerializer.Serialize(principalRoles)).With("inputs", inputs).With("state", Name(RunState.Running)).With("now", database.ToDb(now))
                    .With("parent", lineage?.ParentRunId).With("root", lineage?.RootRunId).With("depth", lineage?.Depth).With("allotment", lineage?.Allotment).With("credential", credential);
                if (await insert.ExecuteNonQueryAsync(ct) == 0)
                {
                    await transaction.CommitAsync(ct);
                    return await ReadRunAsync(connection, null, run.Id, lockRow: false, ct)
                        ?? throw new StorageException($"The run {run.Id} was neither inserted nor found.");
                }
            }

            foreach (var step in steps)
            {
                await InsertStepAsync(connection, transaction, run.Id, step, ct);
            }

            await AddEventAsync(connection, transaction, run.Id, null, Name(RunState.Running), null, now, ct);
            await transaction.CommitAsync(ct);
            return new RunSnapshot(run, steps);
        }, cancellationToken);

    /// <summary>The run with its steps when <paramref name="principalId"/> owns it (any owner when null); null otherwise.</summary>
    public Task<RunSnapshot?> GetRunAsync(string id, string? principalId, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            var snapshot = await ReadRunAsync(connection, null, id, lockRow: false, ct);
            return snapshot is null || (principalId is not null && snapshot.Run.PrincipalId != principalId) ? null : snapshot;
        }, cancellationToken);

    /// <summary>Every run of the tree whose first run is <paramref name="rootRunId"/> (that run excluded), oldest first.</summary>
    public Task<List<WorkflowRun>> ListTreeAsync(string rootRunId, CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT " + RunColumns + " FROM workflow_runs WHERE root_run_id = @root ORDER BY created_at, id",
            c => c.With("root", rootRunId), ReadRun, cancellationToken);

    /// <summary>
    /// A page of the principal's runs, newest first, without their inputs (<see cref="WorkflowRun.Inputs"/> is empty: a
    /// run's inputs can be megabytes): the <paramref name="limit"/> runs that come after the run
    /// <paramref name="after"/> when given, else the newest.
    /// </summary>
    public Task<List<WorkflowRun>> ListRunsAsync(string principalId, int limit, string? after = null, CancellationToken cancellationToken = default) =>
        QueryAsync(
            "SELECT " + RunColumns.Replace("inputs", "'' AS inputs", StringComparison.Ordinal) + " FROM workflow_runs WHERE principal_id = @principal"
                + (after is null ? "" : " AND (created_at < (SELECT created_at FROM workflow_runs WHERE id = @after) OR (created_at = (SELECT created_at FROM workflow_runs WHERE id = @after) AND id > @after))")
                + " ORDER BY created_at DESC, id LIMIT @limit",
            c => (after is null ? c : c.With("after", after)).With("principal", principalId).With("limit", limit),
            ReadRun,
            cancellationToken);

    /// <summary>
    /// Reads the run and its steps under the run's lock and applies <paramref name="decide"/>'s answer: the new snapshot
    /// (or null for no change). Changed and new step rows are written, an event is recorded per state change, all in
    /// one transaction. Returns the snapshot as committed, or null when there is no such run.
    /// </summary>
    public Task<RunSnapshot?> UpdateRunAsync(string id, Func<RunSnapshot, DateTimeOffset, RunSnapshot?> decide, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decide);
        return database.RunAsync(async (connection, ct) =>
        {
            await using var transaction = IsPostgres ? await connection.BeginTransactionAsync(ct) : await database.BeginExclusiveAsync(connection, 0, ct);
            var before = await ReadRunAsync(connection, transaction, id, lockRow: true, ct);
            if (before is null)
            {
                return null;
            }

            var now = StorageDatabase.Normalize(time.GetUtcNow());
            var after = decide(before, now);
            if (after is null || ReferenceEquals(after, before))
            {
                await transaction.CommitAsync(ct);
                return before;
            }

            var old = before.Steps.ToDictionary(s => s.Key, StringComparer.Ordinal);
            foreach (var step in after.Steps)
            {
                if (!old.TryGetValue(step.Key, out var was))
                {
                    await InsertStepAsync(connection, transaction, id, step, ct);
                    await AddEventAsync(connection, transaction, id, step.Key, Name(step.State), step.Error, now, ct);
                }
                else if (was != step)
                {
                    await using var update = connection.Command(
                        "UPDATE workflow_steps SET state = @state, attempt = @attempt, run_at = @runAt, input = @input, output = @output, error = @error, started_at = @started, finished_at = @finished " +
                        "WHERE run_id = @run AND key = @key", transaction);
                    BindStep(update, step).With("run", id);
                    await update.ExecuteNonQueryAsync(ct);
                    if (was.State != step.State || was.Attempt != step.Attempt)
                    {
                        await AddEventAsync(connection, transaction, id, step.Key, Name(step.State), step.Error, now, ct);
                    }
                }
            }

            // The run's change after its steps': the event log reads "the last step failed, then the run did".
            if (after.Run != before.Run)
            {
                await using var update = connection.Command("UPDATE workflow_runs SET state = @state, error = @error, updated_at = @now, finished_at = @finished WHERE id = @id", transaction);
                update.With("state", Name(after.Run.State)).With("error", after.Run.Error).With("now", database.ToDb(now)).With("finished", database.ToDb(after.Run.FinishedAt)).With("id", id);
                await update.ExecuteNonQueryAsync(ct);
                if (after.Run.State != before.Run.State)
                {
                    await AddEventAsync(connection, transaction, id, null, Name(after.Run.State), after.Run.Error, now, ct);
                }
            }

            await transaction.CommitAsync(ct);
            return after;
        }, cancellationToken);
    }

    /// <summary>The run's events after <paramref name="afterId"/>, in order.</summary>
    public Task<List<RunEvent>> EventsAsync(string runId, long afterId, CancellationToken cancellationToken = default) =>
        QueryAsync("SELECT id, at, step, state, detail FROM workflow_events WHERE run_id = @run AND id > @after ORDER BY id",
            c => c.With("run", runId).With("after", afterId),
            r => new RunEvent(r.GetInt64(0), StorageDatabase.ReadTimestamp(r, 1), StorageDatabase.ReadNullableString(r, 2), r.GetString(3), StorageDatabase.ReadNullableString(r, 4)),
            cancellationToken);

    private async Task<RunSnapshot?> ReadRunAsync(DbConnection connection, DbTransaction? transaction, string id, bool lockRow, CancellationToken ct)
    {
        WorkflowRun? run;
        // FOR UPDATE holds the row until commit: whoever decides about this run next waits for this decision.
        await using (var read = connection.Command("SELECT " + RunColumns + " FROM workflow_runs WHERE id = @id" + (lockRow && IsPostgres ? " FOR UPDATE" : string.Empty), transaction).With("id", id))
        {
            await using var reader = await read.ExecuteReaderAsync(ct);
            run = await reader.ReadAsync(ct) ? ReadRun(reader) : null;
        }

        if (run is null)
        {
            return null;
        }

        var steps = new List<StepRow>();
        await using (var read = connection.Command("SELECT " + StepColumns + " FROM workflow_steps WHERE run_id = @id ORDER BY position, key", transaction).With("id", id))
        {
            await using var reader = await read.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                steps.Add(ReadStep(reader));
            }
        }

        return new RunSnapshot(run, steps);
    }

    private async Task InsertStepAsync(DbConnection connection, DbTransaction transaction, string runId, StepRow step, CancellationToken ct)
    {
        await using var insert = connection.Command(
            "INSERT INTO workflow_steps (run_id, " + StepColumns + ") VALUES (@run, @key, @step, @position, @state, @attempt, @runAt, @input, @output, @error, @started, @finished)", transaction);
        BindStep(insert, step).With("run", runId).With("step", step.Step).With("position", step.Position);
        await insert.ExecuteNonQueryAsync(ct);
    }

    private DbCommand BindStep(DbCommand command, StepRow step) =>
        command.With("key", step.Key).With("state", Name(step.State)).With("attempt", step.Attempt).With("runAt", database.ToDb(step.RunAt))
            .With("input", step.Input).With("output", step.Output).With("error", step.Error)
            .With("started", database.ToDb(step.StartedAt)).With("finished", database.ToDb(step.FinishedAt));

    private async Task AddEventAsync(DbConnection connection, DbTransaction transaction, string runId, string? step, string state, string? detail, DateTimeOffset at, CancellationToken ct)
    {
        await using var insert = connection.Command("INSERT INTO workflow_events (run_id, at, step, state, detail) VALUES (@run, @at, @step, @state, @detail)", transaction);
        insert.With("run", runId).With("at", database.ToDb(at)).With("step", step).With("state", state).With("detail", detail);
        await insert.ExecuteNonQueryAsync(ct);
    }

    private Task<List<T>> QueryAsync<T>(string sql, Action<DbCommand> bind, Func<DbDataReader, T> read, CancellationToken cancellationToken) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(sql);
            bind(command);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var rows = new List<T>();
            while (await reader.ReadAsync(ct))
            {
                rows.Add(read(reader));
            }

            return rows;
        }, cancellationToken);

    private static WorkflowVersion ReadVersion(DbDataReader r) =>
        new(r.GetString(0), r.GetInt32(1), r.GetString(2), r.GetString(3), StorageDatabase.ReadTimestamp(r, 4));

    private static WorkflowRun ReadRun(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetString(3), JsonSerializer.Deserialize<string[]>(r.GetString(4)) ?? [], r.GetString(5),
        Enum.Parse<RunState>(r.GetString(6), ignoreCase: true), StorageDatabase.ReadNullableString(r, 7), StorageDatabase.ReadTimestamp(r, 8),
        StorageDatabase.ReadTimestamp(r, 9), StorageDatabase.ReadNullableTimestamp(r, 10))
    {
        Lineage = r.IsDBNull(11) ? null : new RunLineage(r.GetString(11), r.GetString(12), r.GetInt32(13), r.GetString(14)),
        Credential = StorageDatabase.ReadNullableString(r, 15),
    };

    private static StepRow ReadStep(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetInt32(2), Enum.Parse<StepState>(r.GetString(3), ignoreCase: true), r.GetInt32(4),
        StorageDatabase.ReadNullableTimestamp(r, 5), StorageDatabase.ReadNullableString(r, 6), StorageDatabase.ReadNullableString(r, 7),
        StorageDatabase.ReadNullableString(r, 8), StorageDatabase.ReadNullableTimestamp(r, 9), StorageDatabase.ReadNullableTimestamp(r, 10));

    /// <summary>The state's name in the database: lower case.</summary>
    public static string Name(RunState state) => state.ToString().ToLowerInvariant();

    /// <summary>The state's name in the database: lower case.</summary>
    public static string Name(StepState state) => state.ToString().ToLowerInvariant();

    // 128 random bits: a run id is only ever shown to its principal, but must not be guessable either.
    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
