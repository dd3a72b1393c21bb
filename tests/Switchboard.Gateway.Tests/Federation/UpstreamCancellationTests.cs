using System.Net;
using System.Text.Json.Nodes;
using Switchboard.Gateway.Tests.Interop;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Federation;

/// <summary>
/// A client's cancellation, through the published gateway, cancels the upstream request: in both session modes, and
/// however it comes (a closed request, a <c>notifications/cancelled</c> that overtakes its request). The upstream's
/// timeout is long, so that only the cancellation can end the upstream's call within the tests' patience.
/// </summary>
public sealed class UpstreamCancellationTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(null)] // 2026-07-28, sessionless: the client closes the request
    [InlineData("2025-06-18")] // a session: the C# client closes the request's POST too, and sends no notifications/cancelled
    public async Task ClientCancels_ThroughTheGateway_UpstreamToolSeesItsRequestCancelled(string? protocolVersion)
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var gateway = await StartGatewayAsync(upstream);
        await using var client = await gateway.ConnectAsync("/mcp", protocolVersion);
        await Poll.UntilAsync(async () => (await client.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == "faulty__slow"), Patience, "the upstream's tools were not listed");
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var call = client.CallToolAsync("faulty__slow", cancellationToken: caller.Token).AsTask();
        await upstream.SlowStarted.Task.WaitAsync(Patience, Ct);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await upstream.SlowCancelled.Task.WaitAsync(Patience, Ct);
    }

    [Fact]
    public async Task SessionClient_CancelledNotificationOvertakesItsRequest_RequestIsCancelledOnArrival()
    {
        await using var upstream = await FaultyUpstream.StartAsync();
        await using var gateway = await StartGatewayAsync(upstream);
        await using (var lister = await gateway.ConnectAsync("/mcp", protocolVersion: null))
        {
            await Poll.UntilAsync(async () => (await lister.ListToolsAsync(cancellationToken: Ct)).Any(t => t.Name == "faulty__slow"), Patience, "the upstream's tools were not listed");
        }

        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        string session = await gateway.InitializeSessionAsync(http, Version).WaitAsync(Patience, Ct);

        // The two are separate POSTs; a loaded gateway may read the request's after the notification's.
        using (var cancelled = gateway.Post("/mcp", PublishedGatewayClients.Notification("notifications/cancelled", new JsonObject { ["requestId"] = 7 }), Version, session))
        using (var accepted = await http.SendAsync(cancelled, Ct).WaitAsync(Patience, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        // A cancelled request may get no answer at all (its POST stays open until the client closes it, as one that
        // cancelled does): what shows that it ended is the gateway's handler failing, at once rather than after the
        // upstream's timeout, and nothing left running upstream.
        using var closeCall = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        using var call = gateway.Post("/mcp", PublishedGatewayClients.Request(7, "tools/call", new JsonObject { ["name"] = "faulty__slow", ["arguments"] = new JsonObject() }), Version, session);
        var sent = http.SendAsync(call, HttpCompletionOption.ResponseHeadersRead, closeCall.Token);
        await Poll.UntilAsync(() => gateway.Process.Output.Contains("method 'tools/call' request handler failed", StringComparison.Ordinal), Patience, "the cancelled request was still running");
        if (upstream.SlowStarted.Task.IsCompleted)
        {
            await upstream.SlowCancelled.Task.WaitAsync(Patience, Ct);
        }

        await closeCall.CancelAsync();
        try
        {
            (await sent).Dispose();
        }
        catch (OperationCanceledException)
        {
            // closed unanswered, as a client that cancelled may
        }
    }

    private const string Version = "2025-06-18";

    private static Task<PublishedGateway> StartGatewayAsync(FaultyUpstream upstream) =>
        PublishedGateway.StartServeAsync($"--Servers:faulty:Url={upstream.Url}", "--Servers:faulty:Pinning=Off", "--Servers:faulty:Timeout=00:10:00");
}
