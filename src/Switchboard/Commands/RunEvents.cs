using System.Text.Json.Nodes;

namespace Switchboard.Host.Commands;

/// <summary>
/// Follows a run's events (<c>GET /api/v1/runs/{id}/events</c>, Server-Sent Events) and prints one line per event:
/// time, step (<c>run</c> for the run itself), state and detail. A stream that drops before the run has finished is
/// opened again after the last event seen, so a gateway restart loses nothing.
/// </summary>
internal static class RunEvents
{
    private static readonly TimeSpan Reconnect = TimeSpan.FromSeconds(1);

    /// <summary>Prints the events until the run finishes; 0 when it completed, 1 when it failed or was cancelled.</summary>
    public static async Task<int> FollowAsync(GatewayApiClient api, string runId, CancellationToken cancellationToken)
    {
        string path = $"runs/{Uri.EscapeDataString(runId)}";
        string? lastEventId = null;
        while (true)
        {
            try
            {
                using var response = await api.OpenEventsAsync($"{path}/events", lastEventId, cancellationToken);
                using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
                while (await reader.ReadLineAsync(cancellationToken) is { } line)
                {
                    if (line.StartsWith("id:", StringComparison.Ordinal))
                    {
                        lastEventId = line[3..].Trim();
                    }
                    else if (line.StartsWith("data:", StringComparison.Ordinal) && JsonNode.Parse(line[5..]) is JsonObject e)
                    {
                        Console.WriteLine(string.Join('\t', (string?)e["at"], Shown.Text((string?)e["step"] ?? "run"), (string?)e["state"], Shown.Text((string?)e["detail"])));
                    }
                }
            }
            catch (HttpRequestException e)
            {
                await Console.Error.WriteLineAsync($"switchboard: lost the run's events ({e.Message}); reconnecting.");
            }
            catch (IOException e)
            {
                await Console.Error.WriteLineAsync($"switchboard: lost the run's events ({e.Message}); reconnecting.");
            }

            var run = await api.GetAsync(path, cancellationToken);
            string state = (string)run["state"]!;
            if (state is "completed" or "failed" or "cancelled")
            {
                if (state != "completed")
                {
                    await Console.Error.WriteLineAsync($"The run {runId} {state}{((string?)run["error"] is { } error ? $": {Shown.Text(error)}" : ".")}");
                }

                return state == "completed" ? 0 : 1;
            }

            await Task.Delay(Reconnect, cancellationToken);
        }
    }
}
