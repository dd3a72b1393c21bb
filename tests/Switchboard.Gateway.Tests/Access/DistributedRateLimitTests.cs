using System.Net;
using System.Text.Json;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Gateway.Tests.Cli;
using Switchboard.Gateway.Tests.Infrastructure;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Access;

/// <summary>
/// Two <c>switchboard serve</c> processes sharing one PostgreSQL database and one Redis, as a fleet runs (issue 6):
/// one caller's tool calls count against one limit whichever replica takes them, and each replica keeps limiting on
/// its own when Redis goes away.
/// </summary>
public sealed class DistributedRateLimitTests
{
    // The per-principal bucket: Burst tokens, refilled at one token an hour. The test runs well under a minute, in
    // which the bucket regains less than 1/60 of a token, so no refill can admit an extra call: the tolerance on
    // every count below is zero.
    private const int Burst = 20;
    private const int RefillPeriodSeconds = 3600;

    // Each round sends CallsPerRound calls at once, half to each replica, and waits for all of them: the calls race
    // for the shared bucket, and the rounds make the split deterministic (Burst / CallsPerRound rounds drain it).
    private const int CallsPerRound = 4;
    private const int Rounds = 15;
    private const string Tool = "utilities__uuid_v4";

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task TwoReplicas_ShareOneLimitThroughRedis_ThenEachEnforcesItsOwnWhileRedisIsDown()
    {
        string workingDirectory = Directory.CreateTempSubdirectory("switchboard-fleet-").FullName;
        await using var database = await ScratchDatabase.CreateAsync("sb_fleet");
        try
        {
            await using var redis = await RedisProcess.StartAsync();
            string[] flags =
            [
                .. database.Flags,
                $"--Redis:ConnectionString={redis.ConnectionString}",
                // A slow reply on a loaded machine must not turn into a replica-local decision while Redis is up.
                "--Redis:OperationTimeout=00:00:10",
                "--RateLimits:Default:PerPrincipal:Permits=1",
                $"--RateLimits:Default:PerPrincipal:Period={TimeSpan.FromSeconds(RefillPeriodSeconds):c}",
                $"--RateLimits:Default:PerPrincipal:Burst={Burst}",
                // Out of the way, so that every refusal is the per-principal limit under test.
                "--RateLimits:Default:PerPrincipalTool:Permits=1000000",
                "--RateLimits:Default:PerPrincipalTool:Burst=1000000",
                "--Logging:LogLevel:Default=Warning",
            ];

            // Migrates and makes the one caller both replicas know; the replicas then start as a fleet does.
            var migrated = await ProcessRunner.RunAsync(GatewayProcess.Executable, ["migrate", .. flags], Timeout, workingDirectory, cancellationToken: Ct);
            Assert.True(migrated.ExitCode == 0, migrated.Output);
            var created = await ProcessRunner.RunAsync(
                GatewayProcess.Executable,
                ["keys", "create", "--name", "fleet-agent", "--role", "agent", .. flags],
                Timeout,
                workingDirectory,
                cancellationToken: Ct);
            string key = created.StandardOutput.Trim();
            Assert.True(created.ExitCode == 0 && ApiKeyFormat.TryParse(key, out _, out _), created.Output);

            var starting = new[]
            {
                GatewayProcess.StartAsync([.. flags, "--Storage:MigrateOnStart=false"], workingDirectory, Timeout),
                GatewayProcess.StartAsync([.. flags, "--Storage:MigrateOnStart=false"], workingDirectory, Timeout),
            };
            await using var replicas = await StartAllAsync(starting);
            var (a, b) = (replicas.Gateways[0], replicas.Gateways[1]);

            var shared = await SendRoundsAsync(a, b, key);

            Assert.True(shared.Failures.Count == 0, string.Join(Environment.NewLine, shared.Failures) + a.Output + b.Output);
            Assert.Equal(Burst, shared.AllowedA + shared.AllowedB);
            Assert.Equal((Burst / 2, Burst / 2), (shared.AllowedA, shared.AllowedB));
            Assert.Equal((Rounds * CallsPerRound) - Burst, shared.Refusals.Count);
            Assert.All(shared.Refusals, AssertRateLimited);

            await redis.StopAsync();
            await Poll.UntilAsync(
                async () => await IsReadyWithRedisDegradedAsync(a) && await IsReadyWithRedisDegradedAsync(b),
                Timeout,
                "both replicas did not report ready with Redis Degraded");

            var local = await SendRoundsAsync(a, b, key);

            Assert.True(local.Failures.Count == 0, string.Join(Environment.NewLine, local.Failures) + a.Output + b.Output);
            Assert.Equal((Burst, Burst), (local.AllowedA, local.AllowedB));
            Assert.Equal((Rounds * CallsPerRound) - (2 * Burst), local.Refusals.Count);
            Assert.All(local.Refusals, AssertRateLimited);
            Assert.True(await IsReadyWithRedisDegradedAsync(a), a.Output);
            Assert.True(await IsReadyWithRedisDegradedAsync(b), b.Output);
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }

    private static void AssertRateLimited(JsonElement response)
    {
        var error = response.GetProperty("error");
        Assert.Equal((int)SwitchboardErrorCodes.RateLimited, error.GetProperty("code").GetInt32());
        Assert.Equal("principal", error.GetProperty("data").GetProperty("limit").GetString());

        // The wait until the next token, at one token an hour, from a bucket drained less than a minute ago.
        double retryAfter = error.GetProperty("data").GetProperty("retryAfterSeconds").GetDouble();
        Assert.InRange(retryAfter, RefillPeriodSeconds - 60, RefillPeriodSeconds);
    }

    private static async Task<bool> IsReadyWithRedisDegradedAsync(GatewayProcess gateway)
    {
        var (status, report) = await gateway.TryGetReadinessAsync(Ct);
        return status == HttpStatusCode.OK
            && report?.GetProperty("checks").GetProperty("redis").GetProperty("status").GetString() == "Degraded"
            && report?.GetProperty("checks").GetProperty("database").GetProperty("status").GetString() == "Healthy";
    }

    private static async Task<Tally> SendRoundsAsync(GatewayProcess a, GatewayProcess b, string key)
    {
        var tally = new Tally();
        for (int round = 0; round < Rounds; round++)
        {
            var calls = Enumerable.Range(0, CallsPerRound).Select(async i =>
            {
                var gateway = i % 2 == 0 ? a : b;
                try
                {
                    return (gateway, Response: await gateway.CallToolAsync(key, Tool, Ct), Error: (Exception?)null);
                }
                catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
                {
                    return (gateway, Response: default(JsonElement), Error: ex);
                }
            });
            foreach (var (gateway, response, error) in await Task.WhenAll(calls))
            {
                tally.Add(gateway == a, response, error);
            }
        }

        return tally;
    }

    private static async Task<Replicas> StartAllAsync(Task<GatewayProcess>[] starting)
    {
        try
        {
            return new Replicas(await Task.WhenAll(starting));
        }
        catch
        {
            foreach (var started in starting.Where(t => t.IsCompletedSuccessfully))
            {
                await started.Result.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>What one series of rounds got back: calls allowed by each replica, rate-limit refusals, anything else.</summary>
    private sealed class Tally
    {
        public int AllowedA { get; private set; }

        public int AllowedB { get; private set; }

        public List<JsonElement> Refusals { get; } = [];

        public List<string> Failures { get; } = [];

        public void Add(bool fromA, JsonElement response, Exception? error)
        {
            if (error is not null)
            {
                Failures.Add(error.Message);
            }
            else if (response.TryGetProperty("result", out var result) && !(result.TryGetProperty("isError", out var isError) && isError.GetBoolean()))
            {
                if (fromA)
                {
                    AllowedA++;
                }
                else
                {
                    AllowedB++;
                }
            }
            else if (response.TryGetProperty("error", out var rpcError) && rpcError.GetProperty("code").GetInt32() == (int)SwitchboardErrorCodes.RateLimited)
            {
                Refusals.Add(response);
            }
            else
            {
                Failures.Add(response.GetRawText());
            }
        }
    }

    /// <summary>Both replicas, stopped (by PID) together.</summary>
    private sealed class Replicas(GatewayProcess[] gateways) : IAsyncDisposable
    {
        public GatewayProcess[] Gateways { get; } = gateways;

        public async ValueTask DisposeAsync()
        {
            foreach (var gateway in Gateways)
            {
                await gateway.DisposeAsync();
            }
        }
    }
}
