using System.Text;
using System.Text.Json;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Tasks;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Workflows;

/// <summary>
/// <c>switchboard workflows …</c> and <c>switchboard runs …</c>, the published executable against a published
/// gateway's REST API: definitions stored, listed and shown; a run followed live through its events while another
/// CLI process approves it; errors with their lines; another principal's run not found; no key, no call.
/// </summary>
public sealed class WorkflowCliTests
{
    private static readonly TimeSpan CliTimeout = TimeSpan.FromSeconds(60);

    private const string Greeting = """
        name: greeting
        inputs:
          who:
        steps:
          - id: approve
            approval: Greet them?
          - id: greet
            tool: everything/greet
            arguments:
              name: "${{ inputs.who }}"
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task WorkflowsAndRuns_ThroughTheCli_StoreRunFollowAndApprove()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync();
        string definition = Path.Combine(cluster.Directory, "greeting.yaml");
        await File.WriteAllTextAsync(definition, Greeting, Ct);

        var added = await CliAsync(gateway, cluster.AdminKey, "workflows", "add", definition);
        Assert.True(added.ExitCode == 0, added.Output);
        Assert.Contains("'greeting' version 1", added.StandardError, StringComparison.Ordinal);

        var listed = await CliAsync(gateway, cluster.AdminKey, "workflows", "list");
        Assert.Contains("greeting\t1\t1", listed.StandardOutput.Split('\n').Select(l => l.TrimEnd('\r')));
        var shown = await CliAsync(gateway, cluster.AdminKey, "workflows", "show", "greeting");
        Assert.Equal(Greeting.Split('\n'), shown.StandardOutput.TrimEnd().Split('\n'));

        // 'workflows run' follows the run live: it is still printing when another process approves the step.
        using var follower = ProcessRunner.Start(GatewayProcess.Executable, ["workflows", "run", "greeting", "--input", "who=ada"], cluster.Directory, Environment(gateway, cluster.AdminKey));
        var printed = new StringBuilder();
        follower.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (printed) { printed.AppendLine(e.Data); } } };
        follower.BeginOutputReadLine();
        follower.BeginErrorReadLine();
        await Poll.UntilAsync(() => { lock (printed) { return printed.ToString().Contains("\tapprove\twaiting", StringComparison.Ordinal); } }, CliTimeout, "'workflows run' never printed the approval waiting");

        var runs = await CliAsync(gateway, cluster.AdminKey, "runs", "list");
        string runId = runs.StandardOutput.Split('\n')[1].Split('\t')[0];
        Assert.Contains("\tgreeting\t1\trunning\t", runs.StandardOutput, StringComparison.Ordinal);

        // Another principal cannot see or approve it.
        string otherKey = await TaskProcesses.CreateKeyAsync(gateway, cluster.AdminKey, "other-agent", "agent");
        var hidden = await CliAsync(gateway, otherKey, "runs", "approve", runId, "--step", "approve");
        Assert.Equal(1, hidden.ExitCode);
        Assert.Contains($"There is no run '{runId}'", hidden.StandardError, StringComparison.Ordinal);

        var approved = await CliAsync(gateway, cluster.AdminKey, "runs", "approve", runId, "--step", "approve", "--comment", "go");
        Assert.True(approved.ExitCode == 0, approved.Output);
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct))
        {
            deadline.CancelAfter(CliTimeout);
            await follower.WaitForExitAsync(deadline.Token);
        }

        follower.WaitForExit();
        Assert.Equal(0, follower.ExitCode);
        string[] events = [.. printed.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join('\t', l.TrimEnd('\r').Split('\t')[1..3]))];
        Assert.Equal(["approve\twaiting", "approve\tcompleted", "greet\tcompleted", "run\tcompleted"], events.Where(e => e.EndsWith("completed", StringComparison.Ordinal) || e.EndsWith("waiting", StringComparison.Ordinal)));

        var run = await CliAsync(gateway, cluster.AdminKey, "runs", "show", runId);
        using var snapshot = JsonDocument.Parse(run.StandardOutput);
        var greet = snapshot.RootElement.GetProperty("steps").EnumerateArray().Single(s => s.GetProperty("key").GetString() == "greet");
        Assert.Equal("Hello, ada!", greet.GetProperty("output").GetString());

        // A second run, cancelled while it waits: 'runs watch' ends with exit 1 and says so.
        var detached = await CliAsync(gateway, cluster.AdminKey, "workflows", "run", "greeting", "--input", "who=alan", "--detach");
        string second = detached.StandardOutput.Trim();
        Assert.True(detached.ExitCode == 0 && second.Length > 0, detached.Output);
        var cancelled = await CliAsync(gateway, cluster.AdminKey, "runs", "cancel", second);
        Assert.Contains("is cancelled", cancelled.StandardError, StringComparison.Ordinal);
        var watched = await CliAsync(gateway, cluster.AdminKey, "runs", "watch", second);
        Assert.Equal(1, watched.ExitCode);
        Assert.Contains($"The run {second} cancelled", watched.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workflows_BadInput_ExitsOneWithTheGatewaysExplanation()
    {
        await using var cluster = await TaskProcesses.CreateAsync(postgres: false);
        var gateway = await cluster.StartServeAsync();
        string definition = Path.Combine(cluster.Directory, "bad.yaml");
        await File.WriteAllTextAsync(definition, "name: bad\nsteps:\n  - id: a\n    tool: everything/no_such_tool\n", Ct);

        var refused = await CliAsync(gateway, cluster.AdminKey, "workflows", "add", definition);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("line 3", refused.StandardError, StringComparison.Ordinal);
        Assert.Contains("'everything/no_such_tool' is not registered", refused.StandardError, StringComparison.Ordinal);

        var unknown = await CliAsync(gateway, cluster.AdminKey, "workflows", "run", "ghost");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("ghost", unknown.StandardError, StringComparison.Ordinal);

        var malformed = await CliAsync(gateway, cluster.AdminKey, "workflows", "run", "ghost", "--input", "=1");
        Assert.Equal(1, malformed.ExitCode);
        Assert.Contains("--input takes NAME=VALUE", malformed.StandardError, StringComparison.Ordinal);

        var noKey = await ProcessRunner.RunAsync(GatewayProcess.Executable, ["runs", "list", "--url", gateway.Url], CliTimeout, cluster.Directory, new Dictionary<string, string> { [SwitchboardApiKey] = string.Empty }, Ct);
        Assert.Equal(1, noKey.ExitCode);
        Assert.Contains("set SWITCHBOARD_API_KEY", noKey.StandardError, StringComparison.Ordinal);

        var wrongKey = await CliAsync(gateway, "sb_not_a_key", "runs", "list");
        Assert.Equal(1, wrongKey.ExitCode);
        Assert.Contains("401", wrongKey.StandardError, StringComparison.Ordinal);
    }

    private const string SwitchboardApiKey = "SWITCHBOARD_API_KEY";

    private static Dictionary<string, string> Environment(GatewayProcess gateway, string key) =>
        new() { ["SWITCHBOARD_URL"] = gateway.Url, [SwitchboardApiKey] = key };

    private static Task<ProcessResult> CliAsync(GatewayProcess gateway, string key, params string[] arguments) =>
        ProcessRunner.RunAsync(GatewayProcess.Executable, arguments, CliTimeout, Path.GetTempPath(), Environment(gateway, key), Ct);
}
