using System.Net;
using System.Text.Json.Nodes;
using Switchboard.Access.Identity;
using Switchboard.Gateway.Tests.Federation;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// A call waiting on an upstream server holds no place among the requests the gateway works on at once
/// (<c>Gateway:Admission:MaxRequests</c>): with a single place and <c>MaxHold</c> out of reach, slow upstream calls
/// run side by side and a fast call is answered while they wait. The gateway is the published executable.
/// </summary>
public sealed class AdmissionWhileForwardingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SlowUpstreamCalls_HoldNoPlace_AFastCallIsAnsweredWhileTheyWait()
    {
        await using var fixture = await RegistryFixture.CreateAsync(postgres: false);
        string upstreamKey = ApiKeyFormat.Generate().Key;
        string upstreamUrl = await fixture.StartEverythingAsync(upstreamKey);
        var gateway = await fixture.StartGatewayAsync("--Gateway:Admission:MaxRequests=1", "--Gateway:Admission:MaxHold=00:10:00");
        await fixture.AddServedAsync(gateway, "docs", upstreamUrl, upstreamKey, "slow_compute");

        // Each would hold the only place for its 10 s if waiting upstream kept it: the fast call would come after one.
        var slow = Enumerable.Range(0, 3).Select(i => gateway.RequestAsync(fixture.AdminKey, "tools/call", new JsonObject
        {
            ["name"] = "docs__slow_compute",
            ["arguments"] = new JsonObject { ["seconds"] = 10, ["label"] = $"slow {i}" },
        }, Ct)).ToList();
        var fast = await gateway.CallToolAsync(fixture.AdminKey, "docs__test_simple_text", Ct);

        Assert.True(fast.TryGetProperty("result", out _), fast.ToString());
        Assert.DoesNotContain(slow, call => call.IsCompleted);
        foreach (var (status, message) in await Task.WhenAll(slow))
        {
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.StartsWith("Computed slow", message!.Value.GetProperty("result").GetProperty("content")[0].GetProperty("text").GetString(), StringComparison.Ordinal);
        }
    }
}
