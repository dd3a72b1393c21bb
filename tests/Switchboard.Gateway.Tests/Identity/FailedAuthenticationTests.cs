using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Gateway.Tests.Identity;

/// <summary>The gateway allowing three failed authentications per client address an hour.</summary>
public class StrictFailedAuthenticationServer : GatewayServer
{
    protected override string[] ExtraArguments =>
    [
        "--Identity:FailedAuthenticationLimit:Burst=3",
        "--Identity:FailedAuthenticationLimit:Permits=3",
        "--Identity:FailedAuthenticationLimit:Period=01:00:00",
    ];
}

/// <summary>The same, behind a reverse proxy at 127.0.0.1 whose <c>X-Forwarded-For</c> it believes.</summary>
public sealed class ProxiedFailedAuthenticationServer : StrictFailedAuthenticationServer
{
    protected override string[] ExtraArguments => [.. base.ExtraArguments, "--Gateway:TrustedProxies:0=127.0.0.1"];
}

/// <summary>Failed authentications are audited and, past the limit, further failures from the address get 429; valid credentials still pass.</summary>
public sealed class FailedAuthenticationTests(StrictFailedAuthenticationServer gateway) : IClassFixture<StrictFailedAuthenticationServer>
{
    private const string Initialize = """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}""";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // One test: every request here comes from 127.0.0.1, so the steps share one budget and must run in order.
    [Fact]
    public async Task FailuresAreAudited_ThenFurtherFailuresGet429_AValidKeyFromTheSameAddressStillPasses_ProbesNeverCount()
    {
        var audit = gateway.Services.GetRequiredService<IAuditStore>();
        var guesses = Enumerable.Range(0, 4).Select(_ => ApiKeyFormat.Generate().Key).ToArray();
        var validKey = await gateway.Services.GetRequiredService<ApiKeyService>().CreateAsync("behind-the-same-nat", ["agent"], cancellationToken: Ct);

        var probes = new List<HttpStatusCode>();
        for (int i = 0; i < 5; i++)
        {
            probes.Add(await PostAsync(key: null));
        }

        var failures = new List<HttpStatusCode>();
        foreach (string guess in guesses)
        {
            failures.Add(await PostAsync(guess));
        }

        using var refused = await SendAsync(gateway, ApiKeyFormat.Generate().Key);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error");
        using var admin = await SendAsync(gateway, gateway.AdminKey);
        using var neighbour = await SendAsync(gateway, validKey.Key);
        var probeWhileBlocked = await PostAsync(key: null);
        using var refusedAgain = await SendAsync(gateway, ApiKeyFormat.Generate().Key);
        using var http = new HttpClient();
        using var health = await http.GetAsync(gateway.Endpoint("/healthz/live"), Ct);
        var events = await audit.QueryAsync(new AuditQuery(Actor: "anonymous:127.0.0.1", Limit: 1000), Ct);

        Assert.All(probes, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.All(failures, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(refused.Headers.RetryAfter?.Delta ?? TimeSpan.Zero, TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(21));
        Assert.Equal((int)SwitchboardErrorCodes.RateLimited, error.GetProperty("code").GetInt32());
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        Assert.Equal(HttpStatusCode.OK, neighbour.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, probeWhileBlocked);
        Assert.Equal(HttpStatusCode.TooManyRequests, refusedAgain.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        // Three failures within the budget, then one event for the block: neither the probes without credentials nor
        // the guesses refused while blocked are there.
        Assert.Equal(["auth.failed", "auth.failed", "auth.failed", "auth.blocked"], events.Select(e => e.Action));
        Assert.All(events, e => Assert.Equal("denied", e.Outcome));
        Assert.Equal(guesses.Select(Prefix), events.Select(e => e.Target));
        Assert.Contains("unknown API key", events[0].Details, StringComparison.Ordinal);
        Assert.All(guesses, g => Assert.DoesNotContain(g.Split('_')[2], string.Join("\n", events.Select(e => e.Details)), StringComparison.Ordinal));
    }

    private async Task<HttpStatusCode> PostAsync(string? key)
    {
        using var response = await SendAsync(gateway, key);
        return response.StatusCode;
    }

    // Claims another address: the gateway trusts no proxy here, so the header must change nothing.
    private static Task<HttpResponseMessage> SendAsync(GatewayServer gateway, string? key) => Send(gateway, key, forwardedFor: "203.0.113.99");

    internal static async Task<HttpResponseMessage> Send(GatewayServer gateway, string? key, string forwardedFor)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.Endpoint("/mcp"))
        {
            Content = new StringContent(Initialize, Encoding.UTF8, "application/json"),
        };
        request.Headers.Accept.ParseAdd("application/json, text/event-stream");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }

        return await http.SendAsync(request, Ct);
    }

    internal static string Prefix(string key) => ApiKeyFormat.TryParse(key, out var prefix, out _) ? prefix : key;
}

/// <summary>Behind a trusted proxy, failures are counted, blocked and audited per forwarded client address.</summary>
public sealed class ProxiedFailedAuthenticationTests(ProxiedFailedAuthenticationServer gateway) : IClassFixture<ProxiedFailedAuthenticationServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AnAttackerBehindTheProxyIsBlocked_OtherClientsBehindItAreNot()
    {
        const string Attacker = "203.0.113.7";
        const string Neighbour = "198.51.100.9";
        for (int i = 0; i < 4; i++)
        {
            using var failed = await FailedAuthenticationTests.Send(gateway, ApiKeyFormat.Generate().Key, Attacker);
            Assert.Equal(HttpStatusCode.Unauthorized, failed.StatusCode);
        }

        using var attacker = await FailedAuthenticationTests.Send(gateway, ApiKeyFormat.Generate().Key, Attacker);
        using var attackerWithAValidKey = await FailedAuthenticationTests.Send(gateway, gateway.AdminKey, Attacker);
        using var neighbour = await FailedAuthenticationTests.Send(gateway, ApiKeyFormat.Generate().Key, Neighbour);
        var events = await gateway.Services.GetRequiredService<IAuditStore>().QueryAsync(new AuditQuery(Action: "auth.blocked"), Ct);

        Assert.Equal(HttpStatusCode.TooManyRequests, attacker.StatusCode);
        Assert.Equal(HttpStatusCode.OK, attackerWithAValidKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, neighbour.StatusCode);
        Assert.Equal($"anonymous:{Attacker}", Assert.Single(events).Actor);
    }
}
