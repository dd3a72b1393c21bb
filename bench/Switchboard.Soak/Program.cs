// Memory soak (issue 17): steady tool-call load against a running gateway, a burst of hostile requests every
// minute, then a quiet minute; the gateway's resident memory (VmRSS) is sampled every few seconds throughout.
// Loopback targets only. bench/soak.sh starts the gateway and runs this; see bench/README.md, "Memory soak".
//
//   Switchboard.Soak --url http://127.0.0.1:18092 --pid 1234 --key sbk_... --minutes 10 --csv soak.csv
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

var options = SoakOptions.Parse(args);
if (!options.Url.IsLoopback)
{
    Console.Error.WriteLine("The soak only targets loopback addresses.");
    return 2;
}

using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { Timeout = TimeSpan.FromSeconds(30) };
var samples = new List<(double Seconds, long RssMiB, string Phase)>();
var clock = Stopwatch.StartNew();
string phase = "warm-up";
long calls = 0, callFailures = 0, hostile = 0, serverErrors = 0;
string? firstFailure = null;

using var sampling = new CancellationTokenSource();
var sampler = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(options.SampleSeconds));
    do
    {
        lock (samples)
        {
            samples.Add((clock.Elapsed.TotalSeconds, ResidentMiB(options.Pid), phase));
        }
    }
    while (await timer.WaitForNextTickAsync(sampling.Token).AsTask().ContinueWith(t => !t.IsCanceled, TaskScheduler.Default));
});

for (int minute = 0; minute < options.Minutes; minute++)
{
    phase = minute == 0 ? "warm-up" : "load";
    await LoadAsync(TimeSpan.FromSeconds(50));
    phase = "hostile";
    await HostileBurstAsync(seed: minute);
}

phase = "quiet";
await Task.Delay(TimeSpan.FromSeconds(60));
await sampling.CancelAsync();
await sampler;

// One known-good call after everything: the gateway still serves.
bool stillServes = await CallAsync(Sessionless("utilities__uuid_v4", "{}"));

using (var csv = new StreamWriter(options.Csv))
{
    await csv.WriteLineAsync("seconds,rss_mib,phase");
    foreach (var (seconds, rss, p) in samples)
    {
        await csv.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{seconds:F0},{rss},{p}"));
    }
}

var afterWarmUp = samples.Where(s => s.Phase != "warm-up" && s.Phase != "quiet").ToArray();
long baseline = samples.Where(s => s.Phase == "warm-up").Select(s => s.RssMiB).LastOrDefault();
double slope = Slope(afterWarmUp.Select(s => (s.Seconds, (double)s.RssMiB)).ToArray()) * 60;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"calls         {calls} ok, {callFailures} failed; hostile requests {hostile}, answered 5xx: {serverErrors}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rss MiB       after warm-up {baseline}, peak {samples.Max(s => s.RssMiB)}, end of quiet minute {samples[^1].RssMiB}"));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"trend         {slope:+0.0;-0.0} MiB per minute after warm-up (least squares over {afterWarmUp.Length} samples)"));
Console.WriteLine($"still serves  {stillServes}");
if (firstFailure is not null)
{
    Console.WriteLine($"first failure {firstFailure}");
}

Console.WriteLine($"samples       {options.Csv}");
return serverErrors == 0 && stillServes ? 0 : 1;

async Task LoadAsync(TimeSpan duration)
{
    using var stop = new CancellationTokenSource(duration);
    var workers = Enumerable.Range(0, options.Concurrency).Select(async worker =>
    {
        // A quarter of the workers hold a session each, as session-based clients do; the rest are sessionless.
        string? session = worker % 4 == 0 ? await InitializeAsync() : null;
        while (!stop.IsCancellationRequested)
        {
            var request = session is null ? Sessionless("utilities__uuid_v4", "{}") : InSession(session, "utilities__hash", """{"text":"soak"}""");
            if (await CallAsync(request))
            {
                Interlocked.Increment(ref calls);
            }
            else
            {
                Interlocked.Increment(ref callFailures);
            }
        }
    });
    await Task.WhenAll(workers);
}

async Task HostileBurstAsync(int seed)
{
    var random = new Random(seed);
    int limit = options.MaxBodyBytes;
    var bursts = new List<Func<Task<int>>>();
    for (int i = 0; i < 40; i++)
    {
        bursts.Add(() => SendAsync(Sessionless("utilities__hash", $$"""{"text":"{{new string('a', limit - 200)}}"}""")));
        bursts.Add(() => SendAsync(Sessionless("utilities__hash", $$"""{"text":"{{new string('b', limit + 1024)}}"}""")));
        bursts.Add(async () => await InitializeAsync() is null ? 400 : 200); // abandoned session
        bursts.Add(() => SendAsync(Raw(Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)))));
        bursts.Add(() => SendAsync(Raw([.. "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\""u8, 0xC3, 0x28, .. "\"}}"u8])));
        bursts.Add(() => SendAsync(Raw("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","name":"\ud800"}}"""u8.ToArray())));
        bursts.Add(() => SendAsync(Sessionless("utilities__hash", "{\"text\":" + random.Next().ToString(CultureInfo.InvariantCulture) + "}"))); // a number where a string belongs
        bursts.Add(() => SendAsync(Raw("{}"u8.ToArray(), contentType: "text/plain")));
        bursts.Add(() => SlowBodyAsync());
    }

    using var gate = new SemaphoreSlim(16);
    await Task.WhenAll(bursts.OrderBy(_ => random.Next()).Select(async send =>
    {
        await gate.WaitAsync();
        try
        {
            int status = await send();
            Interlocked.Increment(ref hostile);
            if (status >= 500)
            {
                Interlocked.Increment(ref serverErrors);
            }
        }
        finally
        {
            gate.Release();
        }
    }));
}

// A 2026-07-28 request: no session, the revision and capabilities in _meta, the method and tool name in headers.
HttpRequestMessage Sessionless(string tool, string arguments)
{
    const string meta = "\"_meta\":{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientCapabilities\":{}}";
    var request = Raw(Encoding.UTF8.GetBytes($$$"""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"{{{tool}}}","arguments":{{{arguments}}},{{{meta}}}}}"""));
    request.Headers.Remove("MCP-Protocol-Version");
    request.Headers.Add("MCP-Protocol-Version", "2026-07-28");
    request.Headers.Add("Mcp-Method", "tools/call");
    request.Headers.Add("Mcp-Name", tool);
    return request;
}

// A 2025-11-25 request in an open session.
HttpRequestMessage InSession(string session, string tool, string arguments)
{
    var request = Raw(Encoding.UTF8.GetBytes($$$"""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"{{{tool}}}","arguments":{{{arguments}}}}}"""));
    request.Headers.Add("Mcp-Session-Id", session);
    return request;
}

HttpRequestMessage Raw(byte[] body, string contentType = "application/json")
{
    var request = new HttpRequestMessage(HttpMethod.Post, new Uri(options.Url, "/mcp")) { Content = new ByteArrayContent(body) };
    request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
    request.Headers.Accept.ParseAdd("application/json");
    request.Headers.Accept.ParseAdd("text/event-stream");
    request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Key);
    return request;
}

async Task<string?> InitializeAsync()
{
    using var request = Raw("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"soak","version":"1"}}}"""u8.ToArray());
    request.Headers.Remove("MCP-Protocol-Version");
    using var response = await http.SendAsync(request);
    return response.Headers.TryGetValues("Mcp-Session-Id", out var values) ? values.First() : null;
}

async Task<bool> CallAsync(HttpRequestMessage request)
{
    using (request)
    {
        try
        {
            using var response = await http.SendAsync(request);
            string text = await response.Content.ReadAsStringAsync();
            if (response.IsSuccessStatusCode && !text.Contains("\"error\"", StringComparison.Ordinal))
            {
                return true;
            }

            Interlocked.CompareExchange(ref firstFailure, $"{(int)response.StatusCode} {text[..Math.Min(300, text.Length)]}", null);
            return false;
        }
        catch (HttpRequestException e)
        {
            Interlocked.CompareExchange(ref firstFailure, e.Message, null);
            return false;
        }
    }
}

async Task<int> SendAsync(HttpRequestMessage request)
{
    using (request)
    {
        try
        {
            using var response = await http.SendAsync(request);
            await response.Content.ReadAsByteArrayAsync();
            return (int)response.StatusCode;
        }
        catch (HttpRequestException)
        {
            return 0; // the server closed the connection on a request it would not read: not a 5xx
        }
    }
}

// Headers and a tenth of a declared body, then silence until Kestrel's minimum data rate ends the request (408).
async Task<int> SlowBodyAsync()
{
    using var client = new TcpClient();
    await client.ConnectAsync(options.Url.Host, options.Url.Port);
    var stream = client.GetStream();
    string head = $"POST /mcp HTTP/1.1\r\nHost: {options.Url.Host}\r\nAuthorization: Bearer {options.Key}\r\nContent-Type: application/json\r\n" +
        "Accept: application/json, text/event-stream\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n{\"jsonrpc\":\"2.0\",";
    await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
    using var reader = new StreamReader(stream);
    string? statusLine = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30));
    return statusLine is null ? 0 : int.Parse(statusLine.Split(' ')[1], CultureInfo.InvariantCulture);
}

static long ResidentMiB(int pid)
{
    foreach (string line in File.ReadLines($"/proc/{pid}/status"))
    {
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
        {
            return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
    }

    throw new InvalidOperationException($"No VmRSS for process {pid}.");
}

static double Slope((double X, double Y)[] points)
{
    if (points.Length < 2)
    {
        return 0;
    }

    double meanX = points.Average(p => p.X), meanY = points.Average(p => p.Y);
    double numerator = points.Sum(p => (p.X - meanX) * (p.Y - meanY)), denominator = points.Sum(p => (p.X - meanX) * (p.X - meanX));
    return denominator == 0 ? 0 : numerator / denominator;
}

internal sealed record SoakOptions(Uri Url, int Pid, string Key, int Minutes, int Concurrency, int MaxBodyBytes, int SampleSeconds, string Csv)
{
    public static SoakOptions Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            int index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        int Number(string name, string fallback) => int.Parse(Value(name, fallback), CultureInfo.InvariantCulture);

        return new SoakOptions(
            new Uri(Value("--url", "http://127.0.0.1:18092")),
            Number("--pid", "0"),
            Value("--key", Environment.GetEnvironmentVariable("SWITCHBOARD_KEY") ?? string.Empty),
            Number("--minutes", "10"),
            Number("--concurrency", "16"),
            Number("--max-body-bytes", "4194304"),
            Number("--sample-seconds", "5"),
            Value("--csv", "soak.csv"));
    }
}
