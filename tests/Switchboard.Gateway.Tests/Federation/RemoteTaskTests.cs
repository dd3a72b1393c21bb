using System.Net;
using System.Text.Json.Nodes;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// Tasks of a remote upstream's tools (<c>switchboard mcp everything</c> registered by URL as <c>up</c>), with the
/// published executables on SQLite: the gateway's task follows the upstream's, survives the gateway's kill -9 without
/// calling the tool again, and forwards a cancel; tools/list carries each tool's <c>execution.taskSupport</c>.
/// </summary>
public sealed class RemoteTaskTests
{
    private static readonly TimeSpan Finish = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RemoteTask_GatewayKilledWhileItRuns_CompletesAfterRestart_WithOneUpstreamCall()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        await using var upstream = await Upstream.StartAsync(cluster.AdminKey);
        var gateway = await StartGatewayAsync(cluster, upstream);
        string taskId = await StartTaskAsync(gateway, cluster.AdminKey, "up__slow_compute", new JsonObject { ["seconds"] = 6, ["label"] = "crash" });

        // Killed while the gateway's job follows the upstream's running task.
        await Poll.UntilAsync(
            async () => (await cluster.JobsAsync()).Any(j => j.Id == taskId && j.State == "running") && (await upstream.JobsAsync()).Any(j => j.State == "running"),
            Finish,
            "the remote task never ran");
        await gateway.SignalAsync("KILL");
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(10));
        gateway = await StartGatewayAsync(cluster, upstream);

        var done = await TaskProcesses.WaitForTerminalAsync(gateway, cluster.AdminKey, taskId, Finish);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal("Computed crash after 6 s.", done.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString());
        // The restarted gateway attached to the upstream task it had stored: the tool ran once, to the end.
        var upstreamJobs = await upstream.JobsAsync();
        Assert.Equal([("completed", 1)], upstreamJobs.Select(j => (j.State, j.Attempts)));
    }

    [Fact]
    public async Task RemoteTask_Cancelled_WhileRunningOrWaitingForInput_IsCancelledUpstream_AndTaskSupportIsListed()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        await using var upstream = await Upstream.StartAsync(cluster.AdminKey);
        var gateway = await StartGatewayAsync(cluster, upstream);

        // The upstream's execution.taskSupport, which the SDK's Tool type drops, is listed as the upstream lists it.
        var (_, listed) = await gateway.RequestAsync(cluster.AdminKey, "tools/list", cancellationToken: Ct);
        var tools = listed!.Value.GetProperty("result").GetProperty("tools").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!);
        Assert.Equal("optional", tools["up__slow_compute"].GetProperty("execution").GetProperty("taskSupport").GetString());
        Assert.Equal("required", tools["up__failing_job"].GetProperty("execution").GetProperty("taskSupport").GetString());
        Assert.False(tools["up__greet"].TryGetProperty("execution", out _));
        Assert.Equal("optional", tools["everything__slow_compute"].GetProperty("execution").GetProperty("taskSupport").GetString());

        // A tool the upstream runs only as a task is refused to a caller without the extension, by the gateway.
        var (_, refused) = await gateway.RequestAsync(cluster.AdminKey, "tools/call", new JsonObject { ["name"] = "up__failing_job", ["arguments"] = new JsonObject() }, Ct);
        Assert.Equal(-32021, refused!.Value.GetProperty("error").GetProperty("code").GetInt32());

        // Running: the worker that follows it forwards the cancel.
        string running = await StartTaskAsync(gateway, cluster.AdminKey, "up__slow_compute", new JsonObject { ["seconds"] = 60, ["label"] = "cancel-me" });
        await Poll.UntilAsync(async () => (await upstream.JobsAsync()).Any(j => j.State == "running"), Finish, "the upstream task never ran");
        await CancelAsync(gateway, cluster.AdminKey, running);

        // Waiting for input: parked, so the replica that cancels it forwards the cancel.
        string waiting = await StartTaskAsync(gateway, cluster.AdminKey, "up__confirm_delete", new JsonObject { ["filename"] = "kept.txt" });
        await Poll.UntilAsync(
            async () =>
            {
                var (task, _) = await TaskProcesses.TaskRequestAsync(gateway, cluster.AdminKey, "tasks/get", waiting);
                return task!.Value.GetProperty("status").GetString() == "input_required" && task.Value.GetProperty("inputRequests").TryGetProperty("confirm", out _);
            },
            Finish,
            "the remote task never asked for input");
        await CancelAsync(gateway, cluster.AdminKey, waiting);

        await Poll.UntilAsync(
            async () => (await upstream.JobsAsync()).Count(j => j.State == "cancelled") == 2,
            Finish,
            "the upstream tasks were not cancelled");
    }

    private static async Task CancelAsync(GatewayProcess gateway, string key, string taskId)
    {
        var (ack, error) = await TaskProcesses.TaskRequestAsync(gateway, key, "tasks/cancel", taskId);
        Assert.Null(error);
        Assert.Equal("complete", ack!.Value.GetProperty("resultType").GetString());
        var done = await TaskProcesses.WaitForTerminalAsync(gateway, key, taskId, Finish);
        Assert.Equal("cancelled", done.GetProperty("status").GetString());
    }

    private static async Task<string> StartTaskAsync(GatewayProcess gateway, string key, string tool, JsonObject arguments)
    {
        var (status, message) = await gateway.RequestAsync(key, "tools/call", TaskProcesses.WithTasks(new JsonObject { ["name"] = tool, ["arguments"] = arguments }), Ct);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(message!.Value.TryGetProperty("result", out var result), message.Value.ToString());
        Assert.Equal("task", result.GetProperty("resultType").GetString());
        return result.GetProperty("taskId").GetString()!;
    }

    // The same configuration on every start, so a restarted gateway finds the upstream its jobs name. Ready once the
    // upstream's tools are served with their task support (known once it negotiated 2026-07-28).
    private static async Task<GatewayProcess> StartGatewayAsync(TaskProcesses cluster, Upstream upstream)
    {
        var gateway = await cluster.StartServeAsync($"--Servers:up:Url={upstream.Process.Url}/mcp", $"--Servers:up:Headers:Authorization=Bearer {cluster.AdminKey}");
        string? listed = null;
        await Poll.UntilAsync(
            async () =>
            {
                var tools = (await gateway.RequestAsync(cluster.AdminKey, "tools/list", cancellationToken: Ct)).Message?.GetProperty("result").GetProperty("tools");
                listed = tools?.ToString();
                return tools?.EnumerateArray().Any(t => t.GetProperty("name").GetString() == "up__slow_compute" && t.TryGetProperty("execution", out _)) == true;
            },
            Finish,
            $"the upstream's task tools were not served: {listed}");
        return gateway;
    }

    /// <summary><c>switchboard mcp everything</c> with a data folder of its own, whose job rows are its tasks.</summary>
    private sealed class Upstream : IAsyncDisposable
    {
        private readonly string _directory;

        private Upstream(GatewayProcess process, string directory) => (Process, _directory) = (process, directory);

        public GatewayProcess Process { get; }

        public static async Task<Upstream> StartAsync(string adminKey)
        {
            string directory = Directory.CreateTempSubdirectory("switchboard-upstream-").FullName;
            var process = await GatewayProcess.StartCommandAsync(
                url => ["mcp", "everything", "--urls", url, "--environment=Development", $"--Storage:DataDirectory={directory}", $"--Identity:BootstrapAdminKey={adminKey}", "--Logging:LogLevel:Default=Warning"],
                directory,
                TaskProcesses.StartTimeout);
            return new Upstream(process, directory);
        }

        /// <summary>Every job (task) the upstream made: its state and attempts.</summary>
        public async Task<List<(string State, int Attempts)>> JobsAsync()
        {
            var rows = new List<(string, int)>();
            await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_directory, "switchboard.db")};Mode=ReadOnly;Pooling=False");
            await connection.OpenAsync(Ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT state, attempts FROM jobs ORDER BY created_at";
            await using var reader = await command.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                rows.Add((reader.GetString(0), reader.GetInt32(1)));
            }

            return rows;
        }

        public async ValueTask DisposeAsync()
        {
            await Process.DisposeAsync();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // still closing its files; the temp folder is cleaned later
            }
        }
    }
}
