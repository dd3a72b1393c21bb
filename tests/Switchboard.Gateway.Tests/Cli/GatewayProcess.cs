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
/// One published <c>switchboard</c> process serving HTTP on its own loopback port; by default <c>serve</c> as a
/// replica of a fleet runs it: stateless MCP, so every request stands alone. Killed by PID on dispose; its output is
/// kept for failure messages.
/// </summary>
public sealed class GatewayProcess : IAsyncDisposable
{
    /// <summary>The executable: the <c>dotnet publish</c> output, as the container image ships it.</summary>
    public static string Executable => PublishedSwitchboard.Path;

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private int _nextId;

    private GatewayProcess(string url, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment)
    {
        Url = url;
        _process = ProcessRunner.Start(Executable, arguments, workingDirectory, environment);
        // Drained always: a full pipe would block the gateway's logging and so its requests.
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Where it listens.</summary>
    public string Url { get; }

    /// <summary>The operating system's id of the process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The port it listens on, on 127.0.0.1.</summary>
    public int Port => new Uri(Url).Port;

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
    /// Waits until the output holds <paramref name="text"/>. What the gateway logs reaches <see cref="Output"/> through
    /// its logger's queue and a pipe, so a line can come after an answer the gateway sent later over HTTP.
    /// </summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        try
        {
            await Poll.UntilAsync(() => Output.Contains(text, StringComparison.Ordinal), timeout, $"switchboard did not print \"{text}\"");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}{Environment.NewLine}{Output}", e);
        }
    }

    /// <summary>
    /// Starts the gateway with configuration <paramref name="flags"/> (and <paramref name="environment"/> variables)
    /// and waits until <c>/healthz/ready</c> answers 200.
    /// </summary>
    public static Task<GatewayProcess> StartAsync(IEnumerable<string> flags, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null) =>
        StartCommandAsync(url => ["serve", "--urls", url, "--Gateway:Sessions=Stateless", .. flags], workingDirectory, timeout, environment);

    /// <summary>
    /// Starts the executable with the <paramref name="arguments"/> made for a free loopback URL (a command that
    /// serves HTTP there) and waits until <c>/healthz/ready</c> answers 200.
    /// </summary>
    public static async Task<GatewayProcess> StartCommandAsync(
        Func<string, IEnumerable<string>> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        string url = LoopbackPort.NextUrl();
        var gateway = new GatewayProcess(url, arguments(url), workingDirectory, environment);
        try
        {
            await Poll.UntilAsync(
                async () => gateway._process.HasExited
                    ? throw new InvalidOperationException($"switchboard exited with {gateway._process.ExitCode}:{Environment.NewLine}{gateway.Output}")
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

    /// <summary>
    /// Sends one JSON-RPC request to <c>/mcp</c> with <paramref name="apiKey"/>: the HTTP status, and the response
    /// message when the status is 200.
    /// </summary>
    public async Task<(HttpStatusCode Status, JsonElement? Message)> RequestAsync(string apiKey, string method, JsonObject? parameters = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{Url}/mcp"))
        {
            Content = JsonContent.Create(new JsonObject
            {
                ["jsonrpc"] = "2.0",
                ["id"] = Interlocked.Increment(ref _nextId),
                ["method"] = method,
                ["params"] = parameters ?? new JsonObject(),
            }),
        };
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.Accept.ParseAdd("text/event-stream");
        request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        using var response = await _http.SendAsync(request, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return (response.StatusCode, null);
        }

        string text = await response.Content.ReadAsStringAsync(cancellationToken);
        string json = response.Content.Headers.ContentType?.MediaType == "text/event-stream"
            ? string.Concat(text.Split('\n').Where(l => l.StartsWith("data:", StringComparison.Ordinal)).Select(l => l[5..].Trim()))
            : text;
        using var message = JsonDocument.Parse(json);
        return (response.StatusCode, message.RootElement.Clone());
    }

    /// <summary>Sends <paramref name="signal"/> (e.g. <c>TERM</c>) to the process, as an orchestrator stopping it does.</summary>
    public Task SignalAsync(string signal) => ProcessRunner.SignalAsync(_process, signal);

    /// <summary>Waits for the process to exit and returns its exit code; fails the test after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"switchboard serve did not exit within {timeout.TotalSeconds:0} s.{Environment.NewLine}{Output}");
        }

        _process.WaitForExit(); // flushes the output readers
        return _process.ExitCode;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await ProcessRunner.KillAsync(_process);

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
