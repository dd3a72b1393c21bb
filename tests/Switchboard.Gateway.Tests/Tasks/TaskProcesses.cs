using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Infrastructure;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Tasks;

/// <summary>
/// Published <c>switchboard serve</c> and <c>switchboard worker</c> processes sharing one database (a PostgreSQL
/// database or a SQLite folder of the test's own), and the MCP task calls the tests make to them.
/// </summary>
internal sealed class TaskProcesses : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly ScratchDatabase? _database;
    private readonly List<GatewayProcess> _processes = [];

    private TaskProcesses(string directory, ScratchDatabase? database)
    {
        Directory = directory;
        _database = database;
        AdminKey = ApiKeyFormat.Generate().Key;
    }

    public string Directory { get; }

    public string AdminKey { get; }

    /// <summary>The PostgreSQL connection string, or null on SQLite.</summary>
    public string? ConnectionString => _database?.ConnectionString;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static async Task<TaskProcesses> CreateAsync(bool postgres)
    {
        string directory = System.IO.Directory.CreateTempSubdirectory("switchboard-tasks-").FullName;
        return new TaskProcesses(directory, postgres ? await ScratchDatabase.CreateAsync("sb_tasks") : null);
    }

    /// <summary>Configuration every process shares: the database, the bootstrap key, short leases so a dead worker's job moves on in seconds.</summary>
    public string[] SharedFlags(params string[] more) =>
    [
        "--environment=Development",
        $"--Storage:DataDirectory={Directory}",
        "--Storage:MigrateOnStart=true",
        $"--Identity:BootstrapAdminKey={AdminKey}",
        "--Logging:LogLevel:Default=Warning",
        "--Queue:LeaseDuration=00:00:02",
        "--Queue:HeartbeatInterval=00:00:00.500",
        "--Queue:RetryBaseDelay=00:00:00.200",
        .. _database is null ? Array.Empty<string>() : ["--Storage:Provider=PostgreSql", $"--Storage:ConnectionString={ConnectionString}"],
        .. more,
    ];

    public async Task<GatewayProcess> StartServeAsync(params string[] flags)
    {
        var process = await GatewayProcess.StartAsync(SharedFlags(flags), Directory, StartTimeout);
        _processes.Add(process);
        return process;
    }

    public async Task<GatewayProcess> StartWorkerAsync(params string[] flags)
    {
        var process = await GatewayProcess.StartCommandAsync(url => ["worker", "--urls", url, .. SharedFlags(flags)], Directory, StartTimeout);
        _processes.Add(process);
        return process;
    }

    /// <summary>Creates a key for a new principal with <paramref name="role"/> through the admin API.</summary>
    public static async Task<string> CreateKeyAsync(GatewayProcess gateway, string adminKey, string name, string role)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{gateway.Url}/api/v1/keys")) { Content = JsonContent.Create(new { name, roles = new[] { role } }) };
        request.Headers.Authorization = new("Bearer", adminKey);
        using var response = await http.SendAsync(request, Ct);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
        return body.RootElement.GetProperty("key").GetString()!;
    }

    /// <summary>Calls <c>everything__slow_compute</c> as a task (declaring the extension in <c>_meta</c>); returns the task id.</summary>
    public static async Task<string> StartSlowComputeAsync(GatewayProcess gateway, string key, double seconds, string label)
    {
        var (status, message) = await gateway.RequestAsync(key, "tools/call", WithTasks(new JsonObject
        {
            ["name"] = "everything__slow_compute",
            ["arguments"] = new JsonObject { ["seconds"] = seconds, ["label"] = label },
        }), Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        var result = message!.Value.GetProperty("result");
        Assert.Equal("task", result.GetProperty("resultType").GetString());
        return result.GetProperty("taskId").GetString()!;
    }

    /// <summary>Sends a <c>tasks/*</c> request; returns the result, or the JSON-RPC error.</summary>
    public static async Task<(JsonElement? Result, JsonElement? Error)> TaskRequestAsync(GatewayProcess gateway, string key, string method, string taskId)
    {
        var (status, message) = await gateway.RequestAsync(key, method, WithTasks(new JsonObject { ["taskId"] = taskId }), Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        return message!.Value.TryGetProperty("result", out var result) ? (result, null) : (null, message.Value.GetProperty("error"));
    }

    /// <summary>Polls <c>tasks/get</c> on <paramref name="gateway"/> until the task is terminal.</summary>
    public static async Task<JsonElement> WaitForTerminalAsync(GatewayProcess gateway, string key, string taskId, TimeSpan timeout)
    {
        JsonElement last = default;
        await Poll.UntilAsync(
            async () =>
            {
                var (result, error) = await TaskRequestAsync(gateway, key, "tasks/get", taskId);
                Assert.Null(error);
                last = result!.Value;
                return last.GetProperty("status").GetString() is "completed" or "failed" or "cancelled";
            },
            timeout,
            $"task {taskId} did not finish");
        return last;
    }

    /// <summary>Every job row: id, state, attempts, whether it has a result, and its last error.</summary>
    public async Task<List<(string Id, string State, int Attempts, bool HasResult, string? LastError, string? LeaseOwner)>> JobsAsync()
    {
        var rows = new List<(string, string, int, bool, string?, string?)>();
        if (ConnectionString is { } postgres)
        {
            await using var connection = new NpgsqlConnection(postgres);
            await connection.OpenAsync(Ct);
            await using var command = new NpgsqlCommand("SELECT id, state, attempts, result IS NOT NULL, last_error, lease_owner FROM jobs ORDER BY created_at", connection);
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetBoolean(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }
        else
        {
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(Directory, "switchboard.db")};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, state, attempts, result IS NOT NULL, last_error, lease_owner FROM jobs ORDER BY created_at";
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetBoolean(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
            }
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // a process may still be closing its files; the temp folder is cleaned later
        }
    }

    // The tasks extension declared per request (SEP-2575), as a 2026-07-28 client does on every request.
    internal static JsonObject WithTasks(JsonObject parameters)
    {
        parameters["_meta"] = new JsonObject
        {
            ["io.modelcontextprotocol/clientCapabilities"] = new JsonObject { ["extensions"] = new JsonObject { ["io.modelcontextprotocol/tasks"] = new JsonObject() } },
        };
        return parameters;
    }
}
