using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Host.Commands;

/// <summary>
/// <c>switchboard workflows list|add|show|run</c>: workflow definitions and runs through a running gateway's REST API
/// (<c>/api/v1/workflows</c>, <c>/api/v1/runs</c>), as the principal whose key is in <c>SWITCHBOARD_API_KEY</c>.
/// </summary>
internal static class WorkflowsCommand
{
    public static Command Create()
    {
        var url = GatewayApiClient.UrlOption();

        var list = new Command("list", "List the stored workflows under a header row, one per line: name, latest version, every version.");
        GatewayApiClient.Configure(list, url, async (api, _, ct) =>
        {
            Console.WriteLine(string.Join('\t', "NAME", "LATEST", "VERSIONS"));
            foreach (var workflow in (await api.GetAsync("workflows", ct)).AsArray())
            {
                Console.WriteLine(string.Join('\t', Shown.Text((string?)workflow!["name"]), (int?)workflow["latest"], string.Join(',', workflow["versions"]!.AsArray().Select(v => (int?)v))));
            }

            return 0;
        });

        var file = new Argument<FileInfo>("file") { Description = "The definition, YAML or JSON (see docs/workflows.md); '-' reads it from standard input." };
        var add = new Command("add", "Store a new version of a workflow; an invalid definition is refused with the line of each error.") { file };
        GatewayApiClient.Configure(add, url, async (api, result, ct) =>
        {
            var path = result.GetRequiredValue(file);
            string source = path.Name == "-" ? await Console.In.ReadToEndAsync(ct) : await File.ReadAllTextAsync(path.FullName, ct);
            var stored = await api.PostAsync("workflows", new JsonObject { ["source"] = source }, ct);
            await Console.Error.WriteLineAsync($"Stored the workflow '{Shown.Text((string?)stored["name"])}' version {(int?)stored["version"]}.");
            return 0;
        });

        var name = new Argument<string>("name") { Description = "The workflow's name." };
        var version = new Option<int?>("--version") { Description = "A stored version; the latest when left out." };
        var show = new Command("show", "Print a stored version of a workflow: who stored it and when on standard error, its source on standard output.") { name, version };
        GatewayApiClient.Configure(show, url, async (api, result, ct) =>
        {
            string path = $"workflows/{Uri.EscapeDataString(result.GetRequiredValue(name))}" + (result.GetValue(version) is { } v ? $"/{v}" : string.Empty);
            var stored = await api.GetAsync(path, ct);
            await Console.Error.WriteLineAsync($"# {Shown.Text((string?)stored["name"])} version {(int?)stored["version"]}, stored by {Shown.Text((string?)stored["createdBy"])} at {(string?)stored["createdAt"]}");
            string source = (string?)stored["source"] ?? string.Empty;
            Console.Write(source.EndsWith('\n') ? source : source + Environment.NewLine);
            return 0;
        });

        var inputs = new Option<string[]>("--input") { Description = "An input of the run, NAME=VALUE; VALUE is read as JSON when it is JSON (a number, a list, \"text\"), else as text. Repeat for several." };
        var inputsFile = new Option<FileInfo?>("--inputs-file") { Description = "The run's inputs as a JSON object in a file; --input values are added over it." };
        var detach = new Option<bool>("--detach") { Description = "Print the run's id and return, instead of following its events until it finishes." };
        var run = new Command("run", "Start a run of a workflow as the key's principal and print its events (time, step, state, detail) until it finishes; exit 0 when it completed, 1 when it failed or was cancelled.") { name, version, inputs, inputsFile, detach };
        GatewayApiClient.Configure(run, url, async (api, result, ct) =>
        {
            var body = new JsonObject
            {
                ["workflow"] = result.GetRequiredValue(name),
                ["version"] = result.GetValue(version),
                ["inputs"] = await InputsAsync(result.GetValue(inputsFile), result.GetValue(inputs), ct),
            };
            var started = await api.PostAsync("runs", body, ct);
            string id = (string)started["id"]!;
            if (result.GetValue(detach))
            {
                Console.WriteLine(id);
                return 0;
            }

            await Console.Error.WriteLineAsync($"Started the run {id} of '{Shown.Text((string?)started["workflow"])}' version {(int?)started["version"]}; Ctrl+C stops following it, not the run (switchboard runs cancel {id}).");
            return await RunEvents.FollowAsync(api, id, ct);
        });

        return new Command("workflows", "Store, show and run workflows through a running gateway ($SWITCHBOARD_URL, key in $SWITCHBOARD_API_KEY).") { list, add, show, run };
    }

    private static async Task<JsonObject> InputsAsync(FileInfo? file, string[]? pairs, CancellationToken ct)
    {
        var inputs = new JsonObject();
        if (file is not null)
        {
            inputs = JsonNode.Parse(await File.ReadAllTextAsync(file.FullName, ct)) as JsonObject
                ?? throw new JsonException($"--inputs-file {file.Name} must hold a JSON object.");
        }

        foreach (string pair in pairs ?? [])
        {
            int equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new JsonException($"--input takes NAME=VALUE; '{Shown.Text(pair)}' has no name before '='.");
            }

            inputs[pair[..equals]] = Value(pair[(equals + 1)..]);
        }

        return inputs;
    }

    /// <summary>JSON when <paramref name="text"/> is JSON, else the text as a JSON string.</summary>
    internal static JsonNode? Value(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}
