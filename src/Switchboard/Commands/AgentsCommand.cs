using System.CommandLine;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Host.Commands;

/// <summary>
/// <c>switchboard agents list|add|show|run</c>: custom agents through a running gateway's REST API
/// (<c>/api/v1/agents</c>), as the principal of the API key given, since a run acts with that key's permissions.
/// </summary>
internal static class AgentsCommand
{
    public static Command Create()
    {
        var url = new Option<string>("--url") { Description = "The gateway's base URL (environment SWITCHBOARD_URL), e.g. http://127.0.0.1:8080.", DefaultValueFactory = _ => Environment.GetEnvironmentVariable("SWITCHBOARD_URL") ?? "http://127.0.0.1:8080" };
        var key = new Option<string?>("--key") { Description = "The API key to act with (environment SWITCHBOARD_API_KEY); a run uses its permissions." };
        Option[] connection = [url, key];

        var list = new Command("list", "List the agents under a header row, one per line: name, latest version, versions.");
        Configure(list, connection, async (http, _, ct) =>
        {
            Console.WriteLine(string.Join('\t', "NAME", "LATEST", "VERSIONS"));
            foreach (var agent in (await GetAsync(http, "agents", ct)).AsArray())
            {
                Console.WriteLine(string.Join('\t', Shown.Text(agent!["name"]!.GetValue<string>()), agent["latest"], string.Join(',', agent["versions"]!.AsArray())));
            }

            return 0;
        });

        var file = new Argument<FileInfo>("file") { Description = "The declaration, a YAML or JSON file (docs/agents.md)." };
        var add = new Command("add", "Validate and store a new version of an agent; errors name their line.") { file };
        Configure(add, connection, async (http, result, ct) =>
        {
            string source = await File.ReadAllTextAsync(result.GetRequiredValue(file).FullName, ct);
            var added = await SendAsync(http, HttpMethod.Post, "agents", new JsonObject { ["source"] = source }, ct);
            await Console.Error.WriteLineAsync($"Stored the agent '{Shown.Text(added["name"]!.GetValue<string>())}' version {added["version"]}.");
            return 0;
        });

        var name = new Argument<string>("name") { Description = "The agent's name." };
        var version = new Option<int?>("--version") { Description = "A stored version; the latest when left out." };
        var show = new Command("show", "Print a version of an agent's declaration as it was stored.") { name, version };
        Configure(show, connection, async (http, result, ct) =>
        {
            string path = $"agents/{Uri.EscapeDataString(result.GetRequiredValue(name))}" + (result.GetValue(version) is { } v ? $"/{v}" : string.Empty);
            var shown = await GetAsync(http, path, ct);
            await Console.Error.WriteLineAsync($"version {shown["version"]}, by {Shown.Text(shown["createdBy"]!.GetValue<string>())} at {shown["createdAt"]}");
            Console.WriteLine(shown["source"]!.GetValue<string>());
            return 0;
        });

        var input = new Option<string>("--input") { Description = "The agent's input: text, or JSON when it parses as JSON.", Required = true };
        var run = new Command("run", "Start a run of an agent, print its progress as it happens, then its output; the exit code is 0 when it completed.") { name, input, version };
        Configure(run, connection, async (http, result, ct) =>
        {
            string text = result.GetRequiredValue(input);
            JsonNode? given;
            try
            {
                given = JsonNode.Parse(text);
            }
            catch (JsonException)
            {
                given = text;
            }

            var body = new JsonObject { ["input"] = given ?? text, ["version"] = result.GetValue(version) };
            var started = await SendAsync(http, HttpMethod.Post, $"agents/{Uri.EscapeDataString(result.GetRequiredValue(name))}/runs", body, ct);
            string id = started["id"]!.GetValue<string>();
            await Console.Error.WriteLineAsync($"run {id}");
            await FollowAsync(http, id, ct);
            var finished = await GetAsync(http, $"runs/{id}", ct);
            var step = finished["steps"]!.AsArray().FirstOrDefault(s => s!["key"]!.GetValue<string>() == "agent");
            Console.WriteLine((step?["output"] ?? finished["error"])?.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            return finished["state"]!.GetValue<string>() == "completed" ? 0 : 1;
        });

        return new Command("agents", "Custom agents through a gateway's REST API: list, add, show, run.") { list, add, show, run };
    }

    // The run's events (SSE) as lines: time, step, state, detail; it ends when the run has finished.
    private static async Task FollowAsync(HttpClient http, string id, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri($"runs/{id}/events", UriKind.Relative), HttpCompletionOption.ResponseHeadersRead, ct);
        await EnsureAsync(response, ct);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal) && JsonNode.Parse(line[6..]) is { } e)
            {
                string detail = e["detail"]?.GetValue<string>() is { } d ? " " + Shown.Text(d) : string.Empty;
                await Console.Error.WriteLineAsync($"{e["at"]} {Shown.Text(e["step"]?.GetValue<string>() ?? "run")} {e["state"]}{detail}");
            }
        }
    }

    private static async Task<JsonNode> GetAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative), ct);
        await EnsureAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<JsonNode>(ct))!;
    }

    private static async Task<JsonNode> SendAsync(HttpClient http, HttpMethod method, string path, JsonObject body, CancellationToken ct)
    {
        using var response = await http.SendAsync(new HttpRequestMessage(method, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) }, ct);
        await EnsureAsync(response, ct);
        return (await response.Content.ReadFromJsonAsync<JsonNode>(ct))!;
    }

    // A refusal from the gateway is shown as its problem's detail, one line per validation error.
    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string body = await response.Content.ReadAsStringAsync(ct);
        string detail = body.Length > 0 && body.TrimStart().StartsWith('{') ? JsonNode.Parse(body)?["detail"]?.GetValue<string>() ?? body : body;
        throw new ArgumentException($"the gateway answered {(int)response.StatusCode}: {Shown.Text(detail)}");
    }

    private static void Configure(Command command, Option[] connection, Func<HttpClient, ParseResult, CancellationToken, Task<int>> run)
    {
        foreach (var option in connection)
        {
            command.Options.Add(option);
        }

        command.SetAction(async (result, cancellationToken) =>
        {
            string? key = result.GetValue((Option<string?>)connection[1]) ?? Environment.GetEnvironmentVariable("SWITCHBOARD_API_KEY");
            if (string.IsNullOrEmpty(key))
            {
                await Console.Error.WriteLineAsync("switchboard: give an API key with --key or SWITCHBOARD_API_KEY.");
                return 1;
            }

            using var http = new HttpClient { BaseAddress = new Uri(result.GetRequiredValue((Option<string>)connection[0]).TrimEnd('/') + "/api/v1/"), Timeout = Timeout.InfiniteTimeSpan };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            try
            {
                return await run(http, result, cancellationToken);
            }
            catch (Exception e) when (e is ArgumentException or HttpRequestException or JsonException)
            {
                await Console.Error.WriteLineAsync($"switchboard: {e.Message}");
                return 1;
            }
        });
    }
}
