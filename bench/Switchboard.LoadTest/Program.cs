// Load against one MCP endpoint (issue 18), in one of two shapes:
//
//   closed loop (default): N workers each send tools/call, wait for the answer, repeat, for a fixed time.
//   open loop (--rate R):  requests leave at a constant rate R whatever the server does, spread round-robin over
//                          --connections C connections, and each latency is measured from the request's *intended*
//                          send time, so a stalled server shows up as latency instead of a politely slower generator
//                          (no coordinated omission).
//
//   Switchboard.LoadTest --url http://127.0.0.1:18090/mcp --tool utilities__uuid_v4 --concurrency 64 --seconds 20 --key sbk_...
//   Switchboard.LoadTest --url ... --rate 5000 --connections 10000 --era 2026-07-28 \
//       --tools utilities__uuid_v4=9,floor__uuid=1 --pid <gateway pid> --warmup 10
//
// --era picks the request shape: 2026-07-28 (sessionless: revision and capabilities in _meta, Mcp-Method and Mcp-Name
// headers) or 2025-11-25 (the gateway runs --Gateway:Sessions=Stateless, so each request stands alone). --pid names
// the server process whose CPU time and resident memory are reported. --idle N and --sessions N measure memory instead
// (see SizingAsync). The last line, RESULT key=value ..., is for
// scripts (bench/load.sh). Loopback targets only.
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

var options = Arguments.Parse(args);
if (!options.Url.IsLoopback)
{
    Console.Error.WriteLine("This load generator only targets loopback addresses.");
    return 2;
}

if (options.Idle > 0 || options.Sessions > 0)
{
    return await SizingAsync();
}

var tools = options.Tools;
var bodies = tools.Select(t => Encoding.UTF8.GetBytes(RequestBody(t.Name, options.Era))).ToArray();
// The tool of the i-th request: weights laid out once, so the mix is exact over every block of requests.
int[] mix = [.. tools.SelectMany((t, index) => Enumerable.Repeat(index, t.Weight))];

using var clients = new Clients(options.Open ? options.Connections : 1, options.Open ? 1 : options.Concurrency);

// In the open loop the warm-up lasts until every connection has carried a call, so the measured part holds them all
// open and counts none of their set-up.
double warmup = options.Open ? Math.Max(options.Warmup, Math.Ceiling((double)options.Connections / options.Rate) + 1) : options.Warmup;
if (warmup > 0)
{
    await RunAsync(TimeSpan.FromSeconds(warmup), record: null);
}

var recorder = new Recorder(tools.Count);
var server = options.Pid > 0 ? ProcessSample.Take(options.Pid) : null;
var clock = Stopwatch.StartNew();
var peakRss = new PeakRss(options.Pid);
var (errors, dropped) = await RunAsync(TimeSpan.FromSeconds(options.Seconds), recorder);
double elapsed = clock.Elapsed.TotalSeconds;
var serverAfter = options.Pid > 0 ? ProcessSample.Take(options.Pid) : null;
peakRss.Stop();

var all = recorder.Sorted(tool: null);
string shape = options.Open ? $"open loop rate={options.Rate}/s connections={options.Connections}" : $"closed loop concurrency={options.Concurrency}";
Console.WriteLine($"target       {options.Url} era={options.Era} tools={string.Join(',', tools.Select(t => $"{t.Name}={t.Weight}"))} {shape} duration={elapsed:F1}s");
Console.WriteLine($"requests     {all.Length} ok, {errors + dropped} failed");
Console.WriteLine($"throughput   {all.Length / elapsed:F0} req/s");
Console.WriteLine($"latency ms   p50={Percentile(all, 0.50):F2} p95={Percentile(all, 0.95):F2} p99={Percentile(all, 0.99):F2} p99.9={Percentile(all, 0.999):F2} max={(all.Length > 0 ? all[^1] : 0):F2}");
if (tools.Count > 1)
{
    for (int i = 0; i < tools.Count; i++)
    {
        var sorted = recorder.Sorted(i);
        Console.WriteLine($"  {tools[i].Name,-24} {sorted.Length} ok, p50={Percentile(sorted, 0.50):F2} p95={Percentile(sorted, 0.95):F2} p99={Percentile(sorted, 0.99):F2}");
    }
}

var result = new List<(string Key, string Value)>
{
    ("ok", all.Length.ToString(CultureInfo.InvariantCulture)),
    ("errors", (errors + dropped).ToString(CultureInfo.InvariantCulture)),
    ("rps", F(all.Length / elapsed, 0)),
    ("p50", F(Percentile(all, 0.50))), ("p95", F(Percentile(all, 0.95))), ("p99", F(Percentile(all, 0.99))), ("p999", F(Percentile(all, 0.999))),
};
for (int i = 0; i < tools.Count; i++)
{
    var sorted = recorder.Sorted(i);
    result.Add(($"{tools[i].Name}.p50", F(Percentile(sorted, 0.50))));
    result.Add(($"{tools[i].Name}.p99", F(Percentile(sorted, 0.99))));
}

if (server is not null && serverAfter is not null)
{
    double cpuSeconds = serverAfter.CpuSeconds - server.CpuSeconds;
    Console.WriteLine($"server       pid {options.Pid}: {cpuSeconds / elapsed:F2} cores busy, {(all.Length > 0 ? cpuSeconds * 1e6 / all.Length : 0):F0} µs CPU per call, RSS {serverAfter.RssMiB:F0} MiB (peak {peakRss.PeakMiB:F0} MiB), {serverAfter.Threads} threads");
    result.Add(("cores", F(cpuSeconds / elapsed)));
    result.Add(("cpu_us_per_call", F(all.Length > 0 ? cpuSeconds * 1e6 / all.Length : 0, 0)));
    result.Add(("rss_mib", F(serverAfter.RssMiB, 0)));
    result.Add(("peak_rss_mib", F(peakRss.PeakMiB, 0)));
}

Console.WriteLine("RESULT " + string.Join(' ', result.Select(r => $"{r.Key}={r.Value}")));
return errors + dropped == 0 ? 0 : 1;

// Sizing (issue 18): the server's resident memory before and after --idle N connections that each made one call and
// then stay open doing nothing, or --sessions N 2025-11-25 sessions that were initialized and left idle. Each side is
// the lowest of several samples over a few seconds, so a collection in between does not count against the idle state.
async Task<int> SizingAsync()
{
    if (options.Pid <= 0)
    {
        Console.Error.WriteLine("--idle and --sessions need --pid: the server process to measure.");
        return 2;
    }

    int count = Math.Max(options.Idle, options.Sessions);
    using var held = new Clients(options.Idle > 0 ? options.Idle : 64, 1);
    byte[] call = Encoding.UTF8.GetBytes(RequestBody(options.Tools[0].Name, options.Era));
    byte[] initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"sizing","version":"1"}}}"""u8.ToArray();
    double before = await SettledRssAsync();
    long failed = 0;
    using var gate = new SemaphoreSlim(64);
    await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
    {
        await gate.WaitAsync();
        try
        {
            using var request = Post(options.Sessions > 0 ? initialize : call, options.Sessions > 0 ? "2025-11-25" : options.Era);
            if (options.Sessions == 0 && options.Era != "2025-11-25")
            {
                request.Headers.Add("Mcp-Method", "tools/call");
                request.Headers.Add("Mcp-Name", options.Tools[0].Name);
            }
            else if (options.Sessions > 0)
            {
                request.Headers.Remove("MCP-Protocol-Version");
            }

            using var response = await held.For(i).SendAsync(request, CancellationToken.None);
            await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode || (options.Sessions > 0 && !response.Headers.Contains("Mcp-Session-Id")))
            {
                Interlocked.Increment(ref failed);
            }
        }
        catch (HttpRequestException)
        {
            Interlocked.Increment(ref failed);
        }
        finally
        {
            gate.Release();
        }
    }));
    double after = await SettledRssAsync();
    string what = options.Idle > 0 ? "idle_connections" : "sessions";
    double per1000 = (after - before) * 1000 / count;
    Console.WriteLine($"sizing       {count} {what.Replace('_', ' ')} ({failed} failed): RSS {before:F0} -> {after:F0} MiB, {per1000:F1} MiB per 1,000");
    Console.WriteLine(FormattableString.Invariant($"RESULT {what}={count} errors={failed} rss_before_mib={before:F0} rss_after_mib={after:F0} mib_per_1000={per1000:F1}"));
    return failed == 0 ? 0 : 1;
}

async Task<double> SettledRssAsync()
{
    double lowest = double.MaxValue;
    for (int i = 0; i < 10; i++)
    {
        lowest = Math.Min(lowest, ProcessSample.Rss(options.Pid));
        await Task.Delay(300);
    }

    return lowest;
}

HttpRequestMessage Post(byte[] body, string era)
{
    var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = new ByteArrayContent(body) };
    request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    request.Headers.Accept.ParseAdd("application/json");
    request.Headers.Accept.ParseAdd("text/event-stream");
    request.Headers.Add("MCP-Protocol-Version", era);
    request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Key);
    return request;
}

async Task<(long Errors, long Dropped)> RunAsync(TimeSpan duration, Recorder? record) =>
    options.Open ? await OpenLoopAsync(duration, record) : (await ClosedLoopAsync(duration, record), 0);

async Task<long> ClosedLoopAsync(TimeSpan duration, Recorder? record)
{
    long failed = 0;
    long sequence = 0;
    using var stop = new CancellationTokenSource(duration);
    var workers = Enumerable.Range(0, options.Concurrency).Select(async _ =>
    {
        while (!stop.IsCancellationRequested)
        {
            int tool = mix[(int)(Interlocked.Increment(ref sequence) % mix.Length)];
            long start = Stopwatch.GetTimestamp();
            if (await SendAsync(clients.For(0), tool))
            {
                record?.Add(tool, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            else
            {
                Interlocked.Increment(ref failed);
            }
        }
    });
    await Task.WhenAll(workers);
    return failed;
}

// One thread keeps the schedule: request i is due at start + i/rate and leaves then on connection i mod C, whether or
// not earlier ones have come back. A request whose connection is still busy waits for it, and that wait is latency.
// Past --max-outstanding requests in flight the generator drops (and counts as failed) instead of queueing without end.
async Task<(long Errors, long Dropped)> OpenLoopAsync(TimeSpan duration, Recorder? record)
{
    long failed = 0, dropped = 0, outstanding = 0;
    long total = (long)(duration.TotalSeconds * options.Rate);
    var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    long pending = 1; // the scheduler itself, so 'done' cannot complete before it has sent everything
    void Finish()
    {
        if (Interlocked.Decrement(ref pending) == 0)
        {
            done.TrySetResult();
        }
    }

    var scheduler = new Thread(() =>
    {
        long origin = Stopwatch.GetTimestamp();
        double ticksPerRequest = Stopwatch.Frequency / (double)options.Rate;
        for (long i = 0; i < total; i++)
        {
            // Sleeping, never spinning: a spinning scheduler takes a whole core from the server on a small machine
            // (it did: 1-1.3 cores at 1,000/s on 2). A sleep ends up to ~1 ms late, so requests due within the same
            // millisecond leave together; each one's latency still counts from its own intended time.
            long intended = origin + (long)(i * ticksPerRequest);
            for (long now = Stopwatch.GetTimestamp(); now < intended; now = Stopwatch.GetTimestamp())
            {
                Thread.Sleep(Math.Max(1, (int)((intended - now) * 1000 / Stopwatch.Frequency)));
            }

            if (Interlocked.Read(ref outstanding) >= options.MaxOutstanding)
            {
                Interlocked.Increment(ref dropped);
                continue;
            }

            Interlocked.Increment(ref outstanding);
            Interlocked.Increment(ref pending);
            long sequence = i;
            _ = Task.Run(async () =>
            {
                int tool = mix[(int)(sequence % mix.Length)];
                bool ok = await SendAsync(clients.For(sequence), tool);
                if (ok)
                {
                    record?.Add(tool, (Stopwatch.GetTimestamp() - intended) * 1000.0 / Stopwatch.Frequency);
                }
                else
                {
                    Interlocked.Increment(ref failed);
                }

                Interlocked.Decrement(ref outstanding);
                Finish();
            });
        }

        Finish();
    })
    { IsBackground = true, Name = "open-loop scheduler", Priority = ThreadPriority.AboveNormal };
    scheduler.Start();
    await done.Task;
    return (failed, dropped);
}

async Task<bool> SendAsync(HttpMessageInvoker client, int tool)
{
    using var request = Post(bodies[tool], options.Era);
    if (options.Era != "2025-11-25")
    {
        request.Headers.Add("Mcp-Method", "tools/call");
        request.Headers.Add("Mcp-Name", tools[tool].Name);
    }

    try
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await client.SendAsync(request, timeout.Token);
        byte[] text = await response.Content.ReadAsByteArrayAsync(timeout.Token);
        return response.IsSuccessStatusCode
            && text.AsSpan().IndexOf("\"error\""u8) < 0
            && text.AsSpan().IndexOf("\"isError\":true"u8) < 0;
    }
    catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
    {
        return false;
    }
}

static string RequestBody(string tool, string era) =>
    """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":""" + "\"" + tool + "\"" + ""","arguments":{}"""
    + (era == "2025-11-25" ? "" : $$$$""","_meta":{"io.modelcontextprotocol/protocolVersion":"{{{{era}}}}","io.modelcontextprotocol/clientCapabilities":{}}""")
    + "}}";

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, Math.Max(0, Math.Ceiling(p * sorted.Length) - 1))];

static string F(double value, int decimals = 2) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

/// <summary>
/// The connections. Closed loop: one pool of as many connections as workers. Open loop: one single-connection handler
/// per connection, and request i goes to handler i mod C, so C connections really are open and each carries its share
/// (one pool would keep reusing the few idle connections it has).
/// </summary>
internal sealed class Clients : IDisposable
{
    private readonly HttpMessageInvoker[] _clients;

    public Clients(int count, int connectionsEach) =>
        _clients = [.. Enumerable.Range(0, count).Select(_ => new HttpMessageInvoker(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connectionsEach,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            UseProxy = false,
        }))];

    public HttpMessageInvoker For(long sequence) => _clients[sequence % _clients.Length];

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }
    }
}

/// <summary>Latencies in milliseconds, per tool, appended from many threads.</summary>
internal sealed class Recorder(int tools)
{
    private readonly List<double>[] _samples = [.. Enumerable.Range(0, tools).Select(_ => new List<double>(100_000))];

    public void Add(int tool, double milliseconds)
    {
        var samples = _samples[tool];
        lock (samples)
        {
            samples.Add(milliseconds);
        }
    }

    public double[] Sorted(int? tool) => tool is int one ? [.. _samples[one].Order()] : [.. _samples.SelectMany(s => s).Order()];
}

/// <summary>A process's CPU time (user + system), resident memory and thread count, from /proc.</summary>
internal sealed record ProcessSample(double CpuSeconds, double RssMiB, int Threads)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ, 100 on every Linux build .NET runs on

    public static ProcessSample Take(int pid)
    {
        // Fields after the command name (which may hold spaces), counted from 'state' = field 3.
        string stat = File.ReadAllText($"/proc/{pid}/stat");
        string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        double cpu = (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        int threads = int.Parse(fields[17], CultureInfo.InvariantCulture);
        return new ProcessSample(cpu, Rss(pid), threads);
    }

    public static double Rss(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) / 1024.0;
            }
        }

        return 0;
    }
}

/// <summary>The highest resident memory of a process, sampled every 200 ms while the measurement runs.</summary>
internal sealed class PeakRss
{
    private readonly Timer? _timer;

    public PeakRss(int pid)
    {
        if (pid > 0)
        {
            _timer = new Timer(_ => PeakMiB = Math.Max(PeakMiB, ProcessSample.Rss(pid)), null, 0, 200);
        }
    }

    public double PeakMiB { get; private set; }

    public void Stop() => _timer?.Dispose();
}

internal sealed record Tool(string Name, int Weight);

internal sealed record Arguments(
    Uri Url, IReadOnlyList<Tool> Tools, string Era, int Concurrency, int Rate, int Connections, int MaxOutstanding,
    int Seconds, int Warmup, int Pid, string Key, int Idle, int Sessions)
{
    public bool Open => Rate > 0;

    public static Arguments Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            int index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        int Number(string name, int fallback) => int.Parse(Value(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        // --tools a=9,b=1 (weights), or the older --tool a.
        var tools = Value("--tools", Value("--tool", "utilities__uuid_v4")).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(entry => entry.Split('=') is [var name, var weight] ? new Tool(name, int.Parse(weight, CultureInfo.InvariantCulture)) : new Tool(entry, 1))
            .ToArray();
        string era = Value("--era", "2025-11-25");
        if (era is not ("2025-11-25" or "2026-07-28"))
        {
            throw new ArgumentException($"--era is '{era}'; use 2025-11-25 (stateless) or 2026-07-28 (sessionless).");
        }

        int seconds = Number("--seconds", 15);
        int rate = Number("--rate", 0);
        return new Arguments(
            new Uri(Value("--url", "http://127.0.0.1:18090/mcp")),
            tools,
            era,
            Number("--concurrency", 32),
            rate,
            Number("--connections", 256),
            Number("--max-outstanding", Math.Max(10_000, rate * 2)),
            seconds,
            Number("--warmup", (int)Math.Min(5, seconds / 4.0)),
            Number("--pid", 0),
            Value("--key", Environment.GetEnvironmentVariable("SWITCHBOARD_KEY") ?? string.Empty),
            Number("--idle", 0),
            Number("--sessions", 0));
    }
}
