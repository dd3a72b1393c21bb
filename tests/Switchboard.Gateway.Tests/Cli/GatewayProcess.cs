using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Cli;

/// <summary>
/// One <c>switchboard serve</c> process on its own loopback port, as a replica of a fleet runs: stateless MCP, so
/// every request stands alone. Killed by PID on dispose; its output is kept for failure messages.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    /// <summary>The built executable, copied beside the tests by the project reference.</summary>
    public static readonly string Executable = Path.Combine(AppContext.BaseDirectory, "switchboard");

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private int _nextId;

    private GatewayProcess(string url, IEnumerable<string> flags, string workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        Url = url;
        _process = ProcessRunner.Start(Executable, ["serve", "--urls", url, "--Gateway:Sessions=Stateless", .. flags], workingDirectory, environment);
        // Drained always: a full pipe would block the gateway's logging and so its requests.
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Where it listens.</summary>
    public string Url { get; }

    /// <summary>The gateway's process id, to find the processes it started.</summary>
    public int ProcessId => _process.Id;

    /// <summary>What it printed so far, for assertion messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the gateway with configuration <paramref name="flags"/> (and <paramref name="environment"/> variables)
    /// and waits until <c>/healthz/ready</c> answers 200.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(IEnumerable<string> flags, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        var gateway = new GatewayProcess(LoopbackPort.NextUrl(), flags, workingDirectory, environment);
        try
        {
            await Poll.UntilAsync(
                async () => gateway._process.HasExited
                    ? throw new InvalidOperationException($"switchboard serve exited with {gateway._process.ExitCode}:{Environment.NewLine}{gateway.Output}")
                    : (await gateway.TryGetReadinessAsync()).Status == HttpStatusCode.OK,
                timeout,
                $"{gateway.Url} was not ready");
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    /// <summary>GET <c>/healthz/ready</c>: the status code and the JSON report (null while nothing answers).</summary>
    public async Task<(HttpStatusCode? Status, JsonElement? Report)> TryGetReadinessAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _http.GetAsync(new Uri($"{Url}/healthz/ready"), cancellationToken);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return (response.StatusCode, body.RootElement.Clone());
        }
        catch (HttpRequestException)
        {
            return (null, null);
        }
    }

    /// <summary>Sends one <c>tools/call</c> to <c>/mcp</c> with <paramref name="apiKey"/>; returns the JSON-RPC response message.</summary>
    public async Task<JsonElement> CallToolAsync(string apiKey, string tool, CancellationToken cancellationToken = default)
    {
        int id = Interlocked.Increment(ref _nextId);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{Url}/mcp"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = id,
                ["method"] = "tools/call",
                ["params"] = new JsonObject { ["name"] = tool, ["arguments"] = new JsonObject() },
            }),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"tools/call to {Url} answered {(int)response.StatusCode}: {text}");
        }

        // A stateless answer to one request is one JSON-RPC message, as JSON or as a single SSE event.
        string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? string.Concat(text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()))
            : text;
        using var message = JsonDocument.Parse(json);
        return message.RootElement.Clone();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
