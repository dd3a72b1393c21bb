using System.Data.Common;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Switchboard.Storage.Database;

namespace Switchboard.Storage.Queue;

/// <summary>
/// The durable job queue: jobs are rows, and every change of state is one fenced <c>UPDATE</c>, so it happens exactly
/// once whichever process crashes. PostgreSQL workers claim with <c>FOR UPDATE SKIP LOCKED</c> (many workers, no two
/// on one job) and are woken by <c>NOTIFY</c>; SQLite serializes writers on its file lock, which suits one process.
/// Times come from this process's clock: replicas need synchronized clocks (NTP), well inside the lease.
/// </summary>
public sealed class JobQueue(StorageDatabase database, JobSignal signal, IOptions<JobQueueOptions> options, TimeProvider time)
{
    /// <summary>The PostgreSQL channel a new or released job is announced on.</summary>
    public const string NotifyChannel = "switchboard_jobs";

    /// <summary>The PostgreSQL channel on which a cancel of a running job is announced; the payload is the job's id.</summary>
    public const string CancelChannel = "switchboard_job_cancels";

    /// <summary>
    /// The PostgreSQL channel on which a job's change of state (finished, cancelled, waiting for input, answered) is
    /// announced; the payload is the job's id.
    /// </summary>
    public const string ChangeChannel = "switchboard_job_changes";

    private const string Columns =
        "id, kind, principal_id, principal_roles, payload, state, priority, run_at, attempts, max_attempts, lease_owner, lease_expires_at, " +
        "idempotency_key, cancel_requested, input_requests, input_responses, result, error, last_error, created_at, updated_at, finished_at, expires_at";

    private static readonly string Qualified = string.Join(", ", Columns.Split(", ").Select(c => "jobs." + c));

    private const string ClearLease = "lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL";

    private bool IsPostgres => database.Provider == StorageProvider.PostgreSql;

    // After a write that makes work ready: NOTIFY rides in the same implicit transaction, so it is sent only if the
    // row commits; SQLite has one process, whose workers the in-process signal wakes.
    private string Notify => IsPostgres ? $"; SELECT pg_notify('{NotifyChannel}', '')" : string.Empty;

    // After a change of the job @id's state, for the listeners on every replica (in this process: JobSignal.Changed).
    private string NotifyChanged => IsPostgres ? $"; SELECT pg_notify('{ChangeChannel}', @id)" : string.Empty;

    /// <summary>
    /// Adds a job and returns it once its row is committed. With an idempotency key the principal already used, returns
    /// that earlier job instead (whatever its state).
    /// </summary>
    public async Task<Job> EnqueueAsync(JobDraft draft, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var now = time.GetUtcNow();
        string id = NewId();
        await database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(
                "INSERT INTO jobs (id, kind, principal_id, principal_roles, payload, state, priority, run_at, attempts, max_attempts, idempotency_key, cancel_requested, created_at, updated_at) " +
                "VALUES (@id, @kind, @principal, @roles, @payload, 'queued', @priority, @runAt, 0, @maxAttempts, @key, @no, @now, @now) " +
                "ON CONFLICT (principal_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING" + Notify);
            command.With("id", id).With("kind", draft.Kind).With("principal", draft.PrincipalId)
                .With("roles", JsonSerializer.Serialize(draft.PrincipalRoles)).With("payload", draft.Payload)
                .With("priority", draft.Priority).With("runAt", database.ToDb(draft.RunAt ?? now))
                .With("maxAttempts", draft.MaxAttempts ?? options.Value.MaxAttempts).With("key", draft.IdempotencyKey)
                .With("no", false).With("now", database.ToDb(now));
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);

        signal.Set();
        // On an idempotency key already used nothing was inserted: the earlier job is the answer.
        return await GetAsync(id, cancellationToken)
            ?? await SingleAsync("SELECT " + Columns + " FROM jobs WHERE principal_id = @principal AND idempotency_key = @key",
                c => c.With("principal", draft.PrincipalId).With("key", draft.IdempotencyKey), cancellationToken)
            ?? throw new StorageException("The job was neither inserted nor found by its idempotency key.");
    }

    /// <summary>
    /// Makes the principal's queued job with <paramref name="idempotencyKey"/> due now, when it was due later (what it
    /// waited for happened early), and wakes the workers. Nothing changes for a job that is due, running or finished.
    /// </summary>
    public async Task RunNowAsync(string principalId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await ExecuteAsync(
            "UPDATE jobs SET run_at = @now, updated_at = @now WHERE principal_id = @principal AND idempotency_key = @key AND state = 'queued' AND run_at > @now" + Notify,
            c => c.With("now", database.ToDb(now)).With("principal", principalId).With("key", idempotencyKey),
            cancellationToken);
        signal.Set();
    }

    /// <summary>The job, whoever owns it; null when there is none (or it expired and was purged).</summary>
    public Task<Job?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SingleAsync("SELECT " + Columns + " FROM jobs WHERE id = @id", c => c.With("id", id), cancellationToken);

    /// <summary>The job when <paramref name="principalId"/> owns it; null otherwise (another principal's job is "not found").</summary>
    public Task<Job?> GetAsync(string id, string principalId, CancellationToken cancellationToken = default) =>
        SingleAsync("SELECT " + Columns + " FROM jobs WHERE id = @id AND principal_id = @principal", c => c.With("id", id).With("principal", principalId), cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="limit"/> ready jobs for <paramref name="owner"/>: the highest priority first, then
    /// the longest due. Each is running under a lease of <see cref="JobQueueOptions.LeaseDuration"/>, its attempt counted.
    /// </summary>
    public async Task<IReadOnlyList<JobLease>> ClaimAsync(string owner, int limit, CancellationToken cancellationToken = default)
    {
        if (limit <= 0)
        {
            return [];
        }

        var now = time.GetUtcNow();
        string token = NewId();
        const string Set = "SET state = 'running', attempts = attempts + 1, lease_owner = @owner, lease_token = @token, lease_expires_at = @expires, updated_at = @now ";
        const string Ready = "SELECT id FROM jobs WHERE state = 'queued' AND run_at <= @now ORDER BY priority DESC, run_at, id LIMIT @limit";
        // PostgreSQL: SKIP LOCKED passes over rows another worker is claiming right now instead of waiting for (and then
        // claiming) them. The locked ids are materialized once: as `id IN (subquery)` the planner may re-run the
        // subquery when a row changed under it, and a job would be claimed twice. SQLite runs the statement under its
        // single write lock, which does the same for one process.
        string sql = IsPostgres
            ? "WITH next AS MATERIALIZED (" + Ready + " FOR UPDATE SKIP LOCKED) UPDATE jobs " + Set + "FROM next WHERE jobs.id = next.id AND jobs.state = 'queued' RETURNING " + Qualified
            : "UPDATE jobs " + Set + "WHERE id IN (" + Ready + ") RETURNING " + Columns;
        var jobs = await QueryAsync(
            sql,
            c => c.With("owner", owner).With("token", token).With("expires", database.ToDb(now + options.Value.LeaseDuration)).With("now", database.ToDb(now)).With("limit", limit),
            cancellationToken);
        return [.. jobs.OrderByDescending(j => j.Priority).ThenBy(j => j.RunAt).Select(j => new JobLease(j, token))];
    }

    /// <summary>
    /// Extends the lease. Returns null when it was lost (it expired and another worker took the job, or it was
    /// finished); otherwise whether a cancel was requested meanwhile.
    /// </summary>
    public async Task<bool?> RenewAsync(JobLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = time.GetUtcNow();
        var rows = await database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(
                "UPDATE jobs SET lease_expires_at = @expires, updated_at = @now WHERE id = @id AND lease_token = @token AND state = 'running' RETURNING cancel_requested");
            command.With("expires", database.ToDb(now + options.Value.LeaseDuration)).With("now", database.ToDb(now)).With("id", lease.Job.Id).With("token", lease.Token);
            var value = await command.ExecuteScalarAsync(ct);
            return value is null or DBNull ? (bool?)null : Convert.ToBoolean(value, System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken);
        return rows;
    }

    /// <summary>Records the result. False when the lease was lost: another worker owns the job and this result is discarded.</summary>
    public Task<bool> CompleteAsync(JobLease lease, string result, CancellationToken cancellationToken = default) =>
        FinishAsync(lease, "completed", "result = @value", result, cancellationToken);

    /// <summary>Records a failure that retrying cannot fix (an MCP task's <c>failed</c>, with its JSON-RPC error).</summary>
    public Task<bool> FailAsync(JobLease lease, string error, CancellationToken cancellationToken = default) =>
        FinishAsync(lease, "failed", "error = @value", error, cancellationToken);

    /// <summary>Records that the running job stopped because it was cancelled.</summary>
    public Task<bool> MarkCancelledAsync(JobLease lease, CancellationToken cancellationToken = default) =>
        FinishAsync(lease, "cancelled", "last_error = @value", "cancelled while running", cancellationToken);

    /// <summary>
    /// A failed attempt: queued again after the backoff, or dead-lettered when it was the last. Returns the new state,
    /// or null when the lease was lost.
    /// </summary>
    public async Task<JobState?> RetryAsync(JobLease lease, string lastError, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = time.GetUtcNow();
        var delay = options.Value.RetryDelay(lease.Job.Attempts, Random.Shared);
        var jobs = await QueryAsync(
            "UPDATE jobs SET state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, last_error = @error, run_at = @runAt, updated_at = @now, " +
            "finished_at = CASE WHEN attempts >= max_attempts THEN @now ELSE NULL END, expires_at = CASE WHEN attempts >= max_attempts THEN @expires ELSE NULL END, " + ClearLease + " " +
            "WHERE id = @id AND lease_token = @token AND state = 'running' RETURNING " + Columns + Notify,
            c => c.With("error", lastError).With("runAt", database.ToDb(now + delay)).With("now", database.ToDb(now))
                .With("expires", database.ToDb(now + options.Value.ResultRetention)).With("id", lease.Job.Id).With("token", lease.Token),
            cancellationToken);
        if (jobs is [{ State: JobState.Dead }])
        {
            await AnnounceChangeAsync(lease.Job.Id, cancellationToken);
        }

        return jobs.Count == 0 ? null : jobs[0].State;
    }

    /// <summary>
    /// Gives a claimed job back unfinished (graceful shutdown): queued again at once, its attempt not counted.
    /// False when the lease was already lost.
    /// </summary>
    public async Task<bool> ReleaseAsync(JobLease lease, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = time.GetUtcNow();
        int changed = await ExecuteAsync(
            "UPDATE jobs SET state = CASE WHEN cancel_requested = @yes THEN 'cancelled' ELSE 'queued' END, attempts = attempts - 1, run_at = @now, updated_at = @now, " +
            "finished_at = CASE WHEN cancel_requested = @yes THEN @now ELSE NULL END, expires_at = CASE WHEN cancel_requested = @yes THEN @expires ELSE NULL END, " + ClearLease + " " +
            "WHERE id = @id AND lease_token = @token AND state = 'running'" + Notify,
            c => c.With("yes", true).With("now", database.ToDb(now)).With("expires", database.ToDb(now + options.Value.ResultRetention)).With("id", lease.Job.Id).With("token", lease.Token),
            cancellationToken);
        signal.Set();
        return changed > 0;
    }

    /// <summary>
    /// Parks the job until the client answers <paramref name="inputRequests"/> (JSON: <c>{"inputRequests":…,"requestState":…}</c>).
    /// The round does not count as an attempt.
    /// </summary>
    public async Task<bool> ParkForInputAsync(JobLease lease, string inputRequests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = time.GetUtcNow();
        int changed = await ExecuteAsync(
            "UPDATE jobs SET state = 'input_required', input_requests = @requests, input_responses = NULL, attempts = attempts - 1, updated_at = @now, " + ClearLease + " " +
            "WHERE id = @id AND lease_token = @token AND state = 'running'" + NotifyChanged,
            c => c.With("requests", inputRequests).With("now", database.ToDb(now)).With("id", lease.Job.Id).With("token", lease.Token),
            cancellationToken);
        return Changed(lease.Job.Id, changed > 0);
    }

    /// <summary>
    /// Puts a running job back to wait for something outside it (a workflow run it started) without holding a worker:
    /// queued with <paramref name="payload"/>, due after <paramref name="recheck"/>, its attempt not counted. A job that
    /// <see cref="WakeAsync"/> woke while it ran (what it waits for happened after it looked) is due at once instead.
    /// False when the lease was lost.
    /// </summary>
    public async Task<bool> WaitAsync(JobLease lease, string payload, TimeSpan recheck, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = time.GetUtcNow();
        // run_at later than when the job was claimed: a wake-up came while it ran.
        int changed = await ExecuteAsync(
            "UPDATE jobs SET state = 'queued', payload = @payload, attempts = attempts - 1, updated_at = @now, " +
            "run_at = CASE WHEN run_at > @claimed THEN @now ELSE @recheck END, " + ClearLease + " " +
            "WHERE id = @id AND lease_token = @token AND state = 'running'",
            c => c.With("payload", payload).With("now", database.ToDb(now)).With("claimed", database.ToDb(lease.Job.RunAt))
                .With("recheck", database.ToDb(now + recheck)).With("id", lease.Job.Id).With("token", lease.Token),
            cancellationToken);
        return changed > 0;
    }

    /// <summary>
    /// Wakes a job that waits (<see cref="WaitAsync"/>) because what it waits for has happened: queued and due later, it
    /// is due now; running, it is due at once when it parks again. A finished job is left alone.
    /// </summary>
    public async Task WakeAsync(string id, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await ExecuteAsync(
            "UPDATE jobs SET run_at = @now WHERE id = @id AND (state = 'running' OR (state = 'queued' AND run_at > @now))" + Notify,
            c => c.With("now", database.ToDb(now)).With("id", id),
            cancellationToken);
        signal.Set();
    }

    /// <summary>The ids of the principal's jobs of <paramref name="kind"/> that are queued or running (each state read from its partial index).</summary>
    public Task<List<string>> UnfinishedIdsAsync(string principalId, string kind, CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(
                "SELECT id FROM jobs WHERE state = 'queued' AND principal_id = @principal AND kind = @kind " +
                "UNION ALL SELECT id FROM jobs WHERE state = 'running' AND principal_id = @principal AND kind = @kind");
            command.With("principal", principalId).With("kind", kind);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var ids = new List<string>();
            while (await reader.ReadAsync(ct))
            {
                ids.Add(reader.GetString(0));
            }

            return ids;
        }, cancellationToken);

    /// <summary>
    /// Cancels the principal's queued jobs whose idempotency key starts with <paramref name="keyPrefix"/> (a cancelled
    /// workflow run's step jobs), at once; running ones are left to finish. Returns how many.
    /// </summary>
    public Task<int> CancelQueuedAsync(string principalId, string keyPrefix, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyPrefix);
        var now = time.GetUtcNow();
        // A key range rather than LIKE, so the (principal_id, idempotency_key) index finds the rows.
        string end = keyPrefix[..^1] + (char)(keyPrefix[^1] + 1);
        return ExecuteAsync(
            "UPDATE jobs SET state = 'cancelled', last_error = 'cancelled before it ran', finished_at = @now, expires_at = @expires, updated_at = @now " +
            "WHERE principal_id = @principal AND idempotency_key >= @from AND idempotency_key < @to AND state = 'queued'",
            c => c.With("now", database.ToDb(now)).With("expires", database.ToDb(now + options.Value.ResultRetention))
                .With("principal", principalId).With("from", keyPrefix).With("to", end),
            cancellationToken);
    }

    /// <summary>
    /// Adds the client's answers to a parked job's input requests; once every request is answered the job is queued to
    /// run again with them. Answers to unknown or already answered keys are ignored. Returns the job as it now is; null
    /// when <paramref name="principalId"/> has no such job.
    /// </summary>
    public async Task<Job?> AddInputResponsesAsync(string id, string principalId, JsonObject responses, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(responses);
        var job = await database.RunAsync(async (connection, ct) =>
        {
            await using var transaction = IsPostgres ? await connection.BeginTransactionAsync(ct) : await database.BeginExclusiveAsync(connection, 0, ct);
            Job? current;
            await using (var read = connection.Command("SELECT " + Columns + " FROM jobs WHERE id = @id AND principal_id = @principal" + (IsPostgres ? " FOR UPDATE" : string.Empty), transaction))
            {
                read.With("id", id).With("principal", principalId);
                await using var reader = await read.ExecuteReaderAsync(ct);
                current = await reader.ReadAsync(ct) ? Read(reader) : null;
            }

            if (current is not { State: JobState.InputRequired, InputRequests: { } requestsJson })
            {
                return current;
            }

            var pending = JsonNode.Parse(requestsJson)?["inputRequests"] as JsonObject ?? [];
            var answered = current.InputResponses is { } existing ? JsonNode.Parse(existing) as JsonObject ?? [] : [];
            foreach (var (key, value) in responses)
            {
                if (pending.ContainsKey(key) && !answered.ContainsKey(key))
                {
                    answered[key] = value?.DeepClone();
                }
            }

            bool complete = pending.All(p => answered.ContainsKey(p.Key));
            var now = time.GetUtcNow();
            await using (var write = connection.Command(
                "UPDATE jobs SET input_responses = @responses, state = @state, run_at = @now, updated_at = @now WHERE id = @id", transaction))
            {
                write.With("responses", answered.ToJsonString()).With("state", complete ? "queued" : "input_required").With("now", database.ToDb(now)).With("id", id);
                await write.ExecuteNonQueryAsync(ct);
            }

            if (complete && IsPostgres)
            {
                await using var notify = connection.Command($"SELECT pg_notify('{NotifyChannel}', ''), pg_notify('{ChangeChannel}', @id)", transaction);
                await notify.With("id", id).ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return current;
        }, cancellationToken);
        signal.Set();
        if (job is { State: JobState.InputRequired })
        {
            signal.Changed(id);
        }

        return job is null ? null : await GetAsync(id, cancellationToken);
    }

    /// <summary>
    /// Cancels the principal's job: at once when it is queued or waiting for input; by asking its worker when it is
    /// running; not at all when it has finished.
    /// </summary>
    public async Task<CancelOutcome> CancelAsync(string id, string principalId, CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var before = await GetAsync(id, principalId, cancellationToken);
        if (before is null)
        {
            return CancelOutcome.NotFound;
        }

        var after = await QueryAsync(
            "UPDATE jobs SET state = 'cancelled', finished_at = @now, expires_at = @expires, updated_at = @now " +
            "WHERE id = @id AND principal_id = @principal AND state IN ('queued', 'input_required') RETURNING " + Columns + NotifyChanged,
            c => c.With("now", database.ToDb(now)).With("expires", database.ToDb(now + options.Value.ResultRetention)).With("id", id).With("principal", principalId),
            cancellationToken);
        if (Changed(id, after.Count > 0))
        {
            return CancelOutcome.Cancelled;
        }

        // The worker running it, on any replica, hears of it at once (its heartbeat would notice it too, later).
        int requested = await ExecuteAsync(
            "UPDATE jobs SET cancel_requested = @yes, updated_at = @now WHERE id = @id AND principal_id = @principal AND state = 'running'" +
            (IsPostgres ? $"; SELECT pg_notify('{CancelChannel}', @id)" : string.Empty),
            c => c.With("yes", true).With("now", database.ToDb(now)).With("id", id).With("principal", principalId),
            cancellationToken);
        if (requested > 0)
        {
            signal.RequestCancel(id);
        }

        return requested > 0 ? CancelOutcome.Requested : CancelOutcome.AlreadyFinished;
    }

    /// <summary>
    /// Takes back the jobs whose worker stopped renewing its lease (it died, or lost the database): queued again, or
    /// dead-lettered when that was their last attempt, or cancelled when a cancel was pending. Returns them as they
    /// are now (so that the caller can tell each dead-lettered job's handler).
    /// </summary>
    public async Task<IReadOnlyList<Job>> RecoverExpiredLeasesAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        var recovered = await QueryAsync(
            "UPDATE jobs SET state = CASE WHEN cancel_requested = @yes THEN 'cancelled' WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END, " +
            "last_error = 'its worker (' || COALESCE(lease_owner, '?') || ') stopped renewing the lease; the attempt was abandoned', run_at = @now, updated_at = @now, " +
            "finished_at = CASE WHEN cancel_requested = @yes OR attempts >= max_attempts THEN @now ELSE NULL END, " +
            "expires_at = CASE WHEN cancel_requested = @yes OR attempts >= max_attempts THEN @expires ELSE NULL END, " + ClearLease + " " +
            "WHERE state = 'running' AND lease_expires_at < @now RETURNING " + Columns + Notify,
            c => c.With("yes", true).With("now", database.ToDb(now)).With("expires", database.ToDb(now + options.Value.ResultRetention)),
            cancellationToken);
        if (recovered.Count > 0)
        {
            signal.Set();
        }

        return recovered;
    }

    /// <summary>Deletes finished jobs whose retention ended. Returns how many.</summary>
    public Task<int> PurgeExpiredAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync("DELETE FROM jobs WHERE expires_at < @now", c => c.With("now", database.ToDb(time.GetUtcNow())), cancellationToken);

    /// <summary>Counts jobs by state (for metrics and tests).</summary>
    public Task<Dictionary<JobState, long>> CountByStateAsync(CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command("SELECT state, COUNT(*) FROM jobs GROUP BY state");
            await using var reader = await command.ExecuteReaderAsync(ct);
            var counts = new Dictionary<JobState, long>();
            while (await reader.ReadAsync(ct))
            {
                counts[ParseState(reader.GetString(0))] = reader.GetInt64(1);
            }

            return counts;
        }, cancellationToken);

    /// <summary>
    /// What the queue metrics show: jobs waiting, running, parked for input and dead-lettered (finished jobs are not
    /// counted), and how long the job longest due has been waiting for a worker. One round trip; <c>queued</c> and
    /// <c>running</c> are read from their partial indexes.
    /// </summary>
    public Task<QueueSample> SampleAsync(CancellationToken cancellationToken = default) =>
        database.RunAsync(async (connection, ct) =>
        {
            var now = time.GetUtcNow();
            await using var command = connection.Command(
                "SELECT state, COUNT(*) FROM jobs WHERE state IN ('queued', 'running', 'input_required', 'dead') GROUP BY state; " +
                "SELECT MIN(run_at) FROM jobs WHERE state = 'queued' AND run_at <= @now");
            command.With("now", database.ToDb(now));
            await using var reader = await command.ExecuteReaderAsync(ct);
            var depth = new Dictionary<JobState, long> { [JobState.Queued] = 0, [JobState.Running] = 0, [JobState.InputRequired] = 0, [JobState.Dead] = 0 };
            while (await reader.ReadAsync(ct))
            {
                depth[ParseState(reader.GetString(0))] = reader.GetInt64(1);
            }

            await reader.NextResultAsync(ct);
            var oldest = await reader.ReadAsync(ct) ? StorageDatabase.ReadNullableTimestamp(reader, 0) : null;
            return new QueueSample(depth, oldest is { } due && due < now ? now - due : TimeSpan.Zero);
        }, cancellationToken);

    private async Task<bool> FinishAsync(JobLease lease, string state, string set, string value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var now = time.GetUtcNow();
        int changed = await ExecuteAsync(
            $"UPDATE jobs SET state = '{state}', {set}, finished_at = @now, expires_at = @expires, updated_at = @now, {ClearLease} " +
            "WHERE id = @id AND lease_token = @token AND state = 'running'" + NotifyChanged,
            c => c.With("value", value).With("now", database.ToDb(now)).With("expires", database.ToDb(now + options.Value.ResultRetention)).With("id", lease.Job.Id).With("token", lease.Token),
            cancellationToken);
        return Changed(lease.Job.Id, changed > 0);
    }

    private async Task AnnounceChangeAsync(string jobId, CancellationToken cancellationToken)
    {
        if (IsPostgres)
        {
            await ExecuteAsync($"SELECT pg_notify('{ChangeChannel}', @id)", c => c.With("id", jobId), cancellationToken);
        }

        signal.Changed(jobId);
    }

    private bool Changed(string jobId, bool changed)
    {
        if (changed)
        {
            signal.Changed(jobId);
        }

        return changed;
    }

    private Task<List<Job>> QueryAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(sql);
            bind(command);
            await using var reader = await command.ExecuteReaderAsync(ct);
            var jobs = new List<Job>();
            while (await reader.ReadAsync(ct))
            {
                jobs.Add(Read(reader));
            }

            return jobs;
        }, cancellationToken);

    private async Task<Job?> SingleAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken) =>
        (await QueryAsync(sql, bind, cancellationToken)).FirstOrDefault();

    private Task<int> ExecuteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken) =>
        database.RunAsync(async (connection, ct) =>
        {
            await using var command = connection.Command(sql);
            bind(command);
            return await command.ExecuteNonQueryAsync(ct);
        }, cancellationToken);

    private static Job Read(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), JsonSerializer.Deserialize<string[]>(r.GetString(3)) ?? [], r.GetString(4),
        ParseState(r.GetString(5)), r.GetInt32(6), StorageDatabase.ReadTimestamp(r, 7), r.GetInt32(8), r.GetInt32(9),
        StorageDatabase.ReadNullableString(r, 10), StorageDatabase.ReadNullableTimestamp(r, 11), StorageDatabase.ReadNullableString(r, 12), r.GetBoolean(13),
        StorageDatabase.ReadNullableString(r, 14), StorageDatabase.ReadNullableString(r, 15), StorageDatabase.ReadNullableString(r, 16),
        StorageDatabase.ReadNullableString(r, 17), StorageDatabase.ReadNullableString(r, 18), StorageDatabase.ReadTimestamp(r, 19),
        StorageDatabase.ReadTimestamp(r, 20), StorageDatabase.ReadNullableTimestamp(r, 21), StorageDatabase.ReadNullableTimestamp(r, 22));

    private static JobState ParseState(string state) => state switch
    {
        "queued" => JobState.Queued,
        "running" => JobState.Running,
        "input_required" => JobState.InputRequired,
        "completed" => JobState.Completed,
        "failed" => JobState.Failed,
        "cancelled" => JobState.Cancelled,
        "dead" => JobState.Dead,
        _ => throw new StorageException($"A job holds the unknown state '{state}'; the database was changed outside Switchboard."),
    };

    // 128 random bits, URL-safe: a task id is a capability, so it must not be guessable.
    private static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}
