using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Host.Commands;

/// <summary>
/// <c>switchboard agents list|add|show|run</c>: custom agents through a running gateway's REST API
/// (<c>/api/v1/agents</c>), as the principal whose key is in <c>SWITCHBOARD_API_KEY</c>, since a run acts with that
/// key's permissions.
/// </summary>
internal static class AgentsCommand
{
    public static Command Create()
    {
        var url = GatewayApiClient.UrlOption();

        var list = new Command("list", "List the agents under a header row, one per line: name, latest version, versions.");
        GatewayApiClient.Configure(list, url, async (api, _, ct) =>
        {
            Console.WriteLine(string.Join('\t', "NAME", "LATEST", "VERSIONS"));
            foreach (var agent in (await api.GetAsync("agents", ct)).AsArray())
            {
                Console.WriteLine(string.Join('\t', Shown.Text((string?)agent!["name"]), (int?)agent["latest"], string.Join(',', agent["versions"]!.AsArray().Select(v => (int?)v))));
            }

            return 0;
        });

        var file = new Argument<FileInfo>("file") { Description = "The declaration, a YAML or JSON file (docs/agents.md); '-' reads it from standard input." };
        var add = new Command("add", "Validate and store a new version of an agent; an invalid declaration is refused with the line of each error.") { file };
        GatewayApiClient.Configure(add, url, async (api, result, ct) =>
        {
            var path = result.GetRequiredValue(file);
            string source = path.Name == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(path.FullName, ct);
            var added = await api.PostAsync("agents", new JsonObject { ["source"] = source }, ct);
            await Console.Error.WriteLineAsync($"Stored the agent '{Shown.Text((string?)added["name"])}' version {(int?)added["version"]}.");
            return 0;
        });

        var name = new Argument<string>("name") { Description = "The agent's name." };
        var version = new Option<int?>("--version") { Description = "A stored version; the latest when left out." };
        var show = new Command("show", "Print a stored version of an agent: who stored it and when on standard error, its declaration on standard output.") { name, version };
        GatewayApiClient.Configure(show, url, async (api, result, ct) =>
        {
            string path = $"agents/{Uri.EscapeDataString(result.GetRequiredValue(name))}" + (result.GetValue(version) is { } v ? $"/{v}" : string.Empty);
            var shown = await api.GetAsync(path, ct);
            await Console.Error.WriteLineAsync($"# {Shown.Text((string?)shown["name"])} version {(int?)shown["version"]}, stored by {Shown.Text((string?)shown["createdBy"])} at {(string?)shown["createdAt"]}");
            string source = (string?)shown["source"] ?? string.Empty;
            Console.Write(source.EndsWith('\n') ? source : source + Environment.NewLine);
            return 0;
        });

        var input = new Option<string>("--input") { Description = "The agent's input: text, or JSON when it parses as JSON.", Required = true };
        var run = new Command("run", "Start a run of an agent and print its events (time, step, state, detail) until it finishes, then its output as JSON; exit 0 when it completed, 1 when it failed or was cancelled.") { name, input, version };
        GatewayApiClient.Configure(run, url, async (api, result, ct) =>
        {
            var body = new JsonObject { ["input"] = Input(result.GetRequiredValue(input)), ["version"] = result.GetValue(version) };
            var started = await api.PostAsync($"agents/{Uri.EscapeDataString(result.GetRequiredValue(name))}/runs", body, ct);
            string id = (string)started["id"]!;
            await Console.Error.WriteLineAsync($"Started the run {id}; Ctrl+C stops following it, not the run (switchboard runs cancel {id}).");
            int exit = await RunEvents.FollowAsync(api, id, ct);
            var finished = await api.GetAsync($"runs/{Uri.EscapeDataString(id)}", ct);
            var step = finished["steps"]!.AsArray().FirstOrDefault(s => (string?)s!["key"] == "agent");
            Console.WriteLine((step?["output"] ?? finished["error"])?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return exit;
        });

        return new Command("agents", "Store, show and run custom agents through a running gateway ($SWITCHBOARD_URL, key in $SWITCHBOARD_API_KEY).") { list, add, show, run };
    }

    // JSON when the text parses as JSON, else the text itself.
    private static JsonNode Input(string text)
    {
        try
        {
            return JsonNode.Parse(text) ?? JsonValue.Create(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
