using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Testing;

/// <summary>
/// The fake language model (tests/Switchboard.FakeLlm) as a real process on 127.0.0.1, so that the production HTTP
/// clients talk to it over the wire. Load a script of turns with <see cref="ScriptAsync"/>; read what it was sent
/// with <see cref="RequestsAsync"/>. A test project that uses it references Switchboard.FakeLlm with
/// <c>ReferenceOutputAssembly="false"</c>, which builds it beside the tests.
/// </summary>
public sealed class FakeLlmServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _admin;

    private FakeLlmServer(Process process, string url)
    {
        _process = process;
        Url = url;
        _admin = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>The server's root: an Anthropic provider's endpoint.</summary>
    public string Url { get; }

    /// <summary>An OpenAI-compatible provider's endpoint.</summary>
    public string OpenAIEndpoint => Url + "/v1";

    /// <summary>Starts the fake on a free loopback port and waits until it answers.</summary>
    public static async Task<FakeLlmServer> StartAsync(CancellationToken cancellationToken = default)
    {
        string url = LoopbackPort.NextUrl();
        var process = ProcessRunner.Start("dotnet", [Assembly, "--urls", url]);
        var errors = new System.Text.StringBuilder();
        // Drained so that the fake never blocks on a full pipe; stderr kept to explain a failed start.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { lock (errors) { errors.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new FakeLlmServer(process, url);
        try
        {
            await Poll.UntilAsync(async () =>
            {
                if (process.HasExited)
                {
                    lock (errors)
                    {
                        throw new InvalidOperationException($"The fake LLM exited with {process.ExitCode}: {errors}");
                    }
                }

                try
                {
                    return (await server._admin.GetAsync("/admin/health", cancellationToken)).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            }, TimeSpan.FromSeconds(30), $"The fake LLM at {url} did not answer");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Replaces the script with <paramref name="turns"/> (see Switchboard.FakeLlm's <c>Turn</c>) and forgets the requests seen.</summary>
    public async Task ScriptAsync(params JsonObject[] turns)
    {
        using var response = await _admin.PostAsJsonAsync("/admin/script", new JsonObject { ["turns"] = new JsonArray(turns) });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The requests received since the script was loaded: <c>protocol</c>, <c>path</c>, <c>apiKey</c>, <c>body</c>.</summary>
    public async Task<JsonArray> RequestsAsync() =>
        (await _admin.GetFromJsonAsync<JsonArray>("/admin/requests"))!;

    /// <summary>The fake's build output beside this test build (same configuration).</summary>
    private static string Assembly
    {
        get
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
            string path = Path.Combine(Repository.Root, "tests", "Switchboard.FakeLlm", "bin", configuration, "net10.0", "Switchboard.FakeLlm.dll");
            return File.Exists(path)
                ? path
                : throw new FileNotFoundException($"The fake LLM is not built at {path}: build tests/Switchboard.FakeLlm (test projects that use it reference it).", path);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await ProcessRunner.KillAsync(_process);

        _process.Dispose();
    }
}
