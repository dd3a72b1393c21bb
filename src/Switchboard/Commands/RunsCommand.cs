using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Host.Commands;

/// <summary>
/// <c>switchboard runs list|show|watch|cancel|approve|event</c>: the workflow runs of the principal whose key is in
/// <c>SWITCHBOARD_API_KEY</c>, through a running gateway's <c>/api/v1/runs</c>.
/// </summary>
internal static class RunsCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var url = GatewayApiClient.UrlOption();

        var limit = new Option<int>("--limit") { Description = "At most this many runs (1 to 1000).", DefaultValueFactory = _ => 100 };
        var after = new Option<string?>("--after") { Description = "Start after this run: the id the previous page says to continue from." };
        var list = new Command("list", "List the key's runs, newest first, under a header row: id, workflow, version, state, started, finished.") { limit, after };
        GatewayApiClient.Configure(list, url, async (api, result, ct) =>
        {
            string query = $"runs?limit={result.GetValue(limit)}" + (result.GetValue(after) is { } id ? $"&after={Uri.EscapeDataString(id)}" : "");
            var page = await api.GetAsync(query, ct);
            Console.WriteLine(string.Join('\t', "ID", "WORKFLOW", "VERSION", "STATE", "STARTED", "FINISHED"));
            foreach (var run in page["runs"]!.AsArray())
            {
                Console.WriteLine(string.Join('\t', (string?)run!["id"], Shown.Text((string?)run["workflow"]), (int?)run["version"], (string?)run["state"], (string?)run["createdAt"], (string?)run["finishedAt"] ?? "-"));
            }

            if ((string?)page["next"] is { } next)
            {
                await Console.Error.WriteLineAsync($"More runs: switchboard runs list --after {next}");
            }

            return 0;
        });

        var id = new Argument<string>("id") { Description = "The run's id." };
        var show = new Command("show", "Print a run as JSON with every step execution: state, attempt, input, output, error, times.") { id };
        GatewayApiClient.Configure(show, url, async (api, result, ct) =>
        {
            Console.WriteLine((await api.GetAsync(RunPath(result.GetRequiredValue(id)), ct)).ToJsonString(Json));
            return 0;
        });

        var watch = new Command("watch", "Print a run's events (time, step, state, detail) from its start until it finishes; exit 0 when it completed, 1 otherwise.") { id };
        GatewayApiClient.Configure(watch, url, (api, result, ct) => RunEvents.FollowAsync(api, result.GetRequiredValue(id), ct));

        var cancel = new Command("cancel", "Cancel a run that has not finished: nothing new starts, running steps finish, it is not compensated.") { id };
        GatewayApiClient.Configure(cancel, url, async (api, result, ct) =>
        {
            var run = await api.PostAsync($"{RunPath(result.GetRequiredValue(id))}/cancel", new JsonObject(), ct);
            await Console.Error.WriteLineAsync($"The run {(string?)run["id"]} is {(string?)run["state"]}.");
            return 0;
        });

        var step = new Option<string>("--step") { Description = "The approval step's id.", Required = true };
        var reject = new Option<bool>("--reject") { Description = "Reject instead of approving: the step fails (and the run compensates)." };
        var comment = new Option<string?>("--comment") { Description = "Recorded in the step's output." };
        var approve = new Command("approve", "Approve (or with --reject, reject) an approval step that is waiting.") { id, step, reject, comment };
        GatewayApiClient.Configure(approve, url, async (api, result, ct) =>
        {
            string stepId = result.GetRequiredValue(step);
            bool approved = !result.GetValue(reject);
            var body = new JsonObject { ["step"] = stepId, ["approved"] = approved, ["comment"] = result.GetValue(comment) };
            var run = await api.PostAsync($"{RunPath(result.GetRequiredValue(id))}/approvals", body, ct);
            await Console.Error.WriteLineAsync($"{(approved ? "Approved" : "Rejected")} the step '{Shown.Text(stepId)}'; the run {(string?)run["id"]} is {(string?)run["state"]}.");
            return 0;
        });

        var eventName = new Argument<string>("event") { Description = "The event's name, as the wait step's 'event' names it." };
        var data = new Option<string?>("--data") { Description = "The event's data, JSON (text that is not JSON is sent as a string); the waiting step's output holds it." };
        var send = new Command("event", "Deliver an event to a run: the steps waiting for it complete (a step that does not wait yet completes when it does).") { id, eventName, data };
        GatewayApiClient.Configure(send, url, async (api, result, ct) =>
        {
            string name = result.GetRequiredValue(eventName);
            var body = new JsonObject { ["event"] = name, ["data"] = result.GetValue(data) is { } text ? WorkflowsCommand.Value(text) : null };
            var run = await api.PostAsync($"{RunPath(result.GetRequiredValue(id))}/events", body, ct);
            await Console.Error.WriteLineAsync($"Delivered the event '{Shown.Text(name)}'; the run {(string?)run["id"]} is {(string?)run["state"]}.");
            return 0;
        });

        return new Command("runs", "Follow, cancel, approve and send events to your workflow runs through a running gateway ($SWITCHBOARD_URL, key in $SWITCHBOARD_API_KEY).") { list, show, watch, cancel, approve, send };
    }

    private static string RunPath(string id) => $"runs/{Uri.EscapeDataString(id)}";
}
