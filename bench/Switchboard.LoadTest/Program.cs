// Closed-loop load against one MCP endpoint: N workers each send tools/call, wait for the answer, repeat, for a
// fixed time. Prints throughput and latency percentiles. Loopback targets only.
//
//   dotnet run -c Release --project bench/Switchboard.LoadTest -- --url http://127.0.0.1:18090/mcp \
//       --tool utilities__uuid_v4 --concurrency 64 --seconds 20 --key sbk_...
//
// The gateway under test runs with --Gateway:Sessions=Stateless, so each request stands alone (no Mcp-Session-Id),
// the way a horizontally scaled deployment without session affinity is driven.
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

var options = Arguments.Parse(args);
if (!options.Url.IsLoopback)
{
    Console.Error.WriteLine("This load generator only targets loopback addresses.");
    return 2;
}

using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = options.Concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
byte[] body = Encoding.UTF8.GetBytes(
    """{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":""" + $"\"{options.Tool}\"" + ""","arguments":{}}}""");

// Warm up: JIT, connection pool, server caches.
await RunAsync(TimeSpan.FromSeconds(Math.Min(5, options.Seconds / 4.0)), record: null);

var samples = new List<double>[options.Concurrency];
for (int i = 0; i < samples.Length; i++)
{
    samples[i] = new List<double>(capacity: 100_000);
}

var clock = Stopwatch.StartNew();
long errors = await RunAsync(TimeSpan.FromSeconds(options.Seconds), samples);
double elapsed = clock.Elapsed.TotalSeconds;

var all = samples.SelectMany(s => s).Order().ToArray();
Console.WriteLine($"target       {options.Url} tool={options.Tool} concurrency={options.Concurrency} duration={elapsed:F1}s");
Console.WriteLine($"requests     {all.Length} ok, {errors} failed");
Console.WriteLine($"throughput   {all.Length / elapsed:F0} req/s");
Console.WriteLine($"latency ms   p50={Percentile(all, 0.50):F2} p95={Percentile(all, 0.95):F2} p99={Percentile(all, 0.99):F2} max={(all.Length > 0 ? all[^1] : 0):F2}");
return errors == 0 ? 0 : 1;

async Task<long> RunAsync(TimeSpan duration, List<double>[]? record)
{
    long failed = 0;
    using var stop = new CancellationTokenSource(duration);
    var workers = Enumerable.Range(0, options.Concurrency).Select(async worker =>
    {
        while (!stop.IsCancellationRequested)
        {
            long start = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, options.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", options.Key);
            try
            {
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead);
                string text = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode || text.Contains("\"error\"", StringComparison.Ordinal) || text.Contains("\"isError\":true", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref failed);
                    continue;
                }
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref failed);
                continue;
            }

            record?[worker].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    });
    await Task.WhenAll(workers);
    return failed;
}

static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[(int)Math.Min(sorted.Length - 1, Math.Ceiling(p * sorted.Length) - 1)];

internal sealed record Arguments(Uri Url, string Tool, int Concurrency, int Seconds, string Key)
{
    public static Arguments Parse(string[] args)
    {
        string Value(string name, string fallback)
        {
            int index = Array.IndexOf(args, name);
            return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
        }

        return new Arguments(
            new Uri(Value("--url", "http://127.0.0.1:18090/mcp")),
            Value("--tool", "utilities__uuid_v4"),
            int.Parse(Value("--concurrency", "32"), System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(Value("--seconds", "15"), System.Globalization.CultureInfo.InvariantCulture),
            Value("--key", Environment.GetEnvironmentVariable("SWITCHBOARD_KEY") ?? string.Empty));
    }
}
