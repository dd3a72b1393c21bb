using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Workflows;

/// <summary>The REST calls the workflow and agent tests make: a client for <c>/api/v1/</c>, starting a run, waiting on it.</summary>
internal static class RunsApi
{
    /// <summary>How long a run in these tests may take to reach the state a test waits for.</summary>
    public static readonly TimeSpan Finish = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static HttpClient Client(GatewayProcess gateway, string key)
    {
        var http = new HttpClient { BaseAddress = new Uri($"{gateway.Url}/api/v1/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return http;
    }

    /// <summary>Stores each of <paramref name="sources"/> as a workflow; anything but 201 fails with the body.</summary>
    public static async Task AddWorkflowsAsync(HttpClient http, params string[] sources)
    {
        foreach (string source in sources)
        {
            using var response = await http.PostAsJsonAsync("workflows", new { source }, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync(Ct));
        }
    }

    /// <summary>Starts a run of <paramref name="workflow"/> and returns its id; anything but 201 fails with the body.</summary>
    public static async Task<string> StartAsync(HttpClient http, string workflow, object? inputs = null)
    {
        using var response = await http.PostAsJsonAsync("runs", inputs is null ? (object)new { workflow } : new { workflow, inputs }, Ct);
        string body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        using var run = JsonDocument.Parse(body);
        return run.RootElement.GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> GetAsync(HttpClient http, string runId) =>
        JsonDocument.Parse(await http.GetStringAsync(new Uri($"runs/{runId}", UriKind.Relative), Ct)).RootElement;

    /// <summary>The run once <paramref name="condition"/> holds for it, within <see cref="Finish"/>.</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient http, string runId, Func<JsonElement, bool> condition, string failure)
    {
        JsonElement last = default;
        await Poll.UntilAsync(
            async () =>
            {
                last = await GetAsync(http, runId);
                return condition(last);
            },
            Finish,
            failure);
        return last;
    }

    public static JsonElement Step(JsonElement run, string key) =>
        run.GetProperty("steps").EnumerateArray().First(s => s.GetProperty("key").GetString() == key);
}
