using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Host.Commands;

/// <summary>
/// <c>switchboard director --goal … | --plan FILE</c>: starts the Director through a running gateway's REST API
/// (<c>POST /api/v1/director/runs</c>) as the principal whose key is in <c>SWITCHBOARD_API_KEY</c>, since the run acts
/// with that key's permissions; follows the run's events, then prints the Director's result as JSON.
/// </summary>
internal static class DirectorCommand
{
    public static Command Create()
    {
        var url = GatewayApiClient.UrlOption();
        var goal = new Option<string?>("--goal") { Description = "What to achieve; the model plans it." };
        var plan = new Option<FileInfo?>("--plan") { Description = "A plan to run instead (JSON: {\"steps\": [{\"id\", \"tool\", \"arguments\", \"needs\"} or {\"id\", \"agent\", \"input\", \"needs\"}]})." };
        var provider = new Option<string?>("--provider") { Description = "The model provider (Agents:Providers) that plans, re-plans and answers; left out: the only one configured." };
        var replans = new Option<int?>("--max-replans") { Description = "New plans allowed after the first (default 2)." };
        var tokensIn = new Option<long?>("--tokens-in") { Description = "Budget: input tokens for the whole run, planning and delegated agents together." };
        var tokensOut = new Option<long?>("--tokens-out") { Description = "Budget: output tokens, likewise." };
        var toolCalls = new Option<int?>("--tool-calls") { Description = "Budget: tool calls, the plans' and the delegated agents'." };
        var wallTime = new Option<string?>("--wall-time") { Description = "Budget: wall time, e.g. 90s, 5m, 1h." };
        var command = new Command("director", "Start the Director on a goal (or a plan) through a running gateway ($SWITCHBOARD_URL, key in $SWITCHBOARD_API_KEY): print its events as it plans and runs, then its result as JSON; exit 0 when it succeeded.")
        {
            goal, plan, provider, replans, tokensIn, tokensOut, toolCalls, wallTime,
        };
        GatewayApiClient.Configure(command, url, async (api, result, ct) =>
        {
            var request = new JsonObject { ["goal"] = result.GetValue(goal), ["provider"] = result.GetValue(provider), ["maxReplans"] = result.GetValue(replans) };
            if (result.GetValue(plan) is { } file)
            {
                try
                {
                    request["plan"] = JsonNode.Parse(await File.ReadAllTextAsync(file.FullName, ct));
                }
                catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"switchboard: cannot read the plan {file.FullName}: {e.Message}");
                    return 2;
                }
            }

            var budget = new JsonObject { ["tokensIn"] = result.GetValue(tokensIn), ["tokensOut"] = result.GetValue(tokensOut), ["toolCalls"] = result.GetValue(toolCalls), ["wallTime"] = result.GetValue(wallTime) };
            request["budget"] = budget.Any(p => p.Value is not null) ? budget : null;
            var started = await api.PostAsync("director/runs", request, ct);
            string id = (string)started["id"]!;
            await Console.Error.WriteLineAsync($"Started the Director's run {id}; Ctrl+C stops following it, not the run (switchboard runs cancel {id}).");
            int exit = await RunEvents.FollowAsync(api, id, ct);
            var finished = await api.GetAsync($"runs/{Uri.EscapeDataString(id)}", ct);
            var output = finished["steps"]!.AsArray().FirstOrDefault(s => (string?)s!["key"] == "director")?["output"];
            Console.WriteLine((output ?? finished["error"])?.ToJsonString());
            return exit == 0 && output?["succeeded"]?.GetValue<bool>() == true ? 0 : 1;
        });
        return command;
    }
}
