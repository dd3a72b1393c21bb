using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Switchboard.Admission;
using Switchboard.Gateway.Http;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// <see cref="RequestAdmission"/>: past <c>Gateway:Admission:MaxRequests</c> requests wait their turn in arrival order,
/// <c>GET</c>s pass, a request holding its place past <c>MaxHold</c> or starting to wait on an upstream gives it to the
/// next, and one whose caller leaves while it waits never runs.
/// </summary>
public sealed class RequestAdmissionTests
{
    private static readonly TimeSpan MaxHold = TimeSpan.FromSeconds(1);
    private const string ForwardingPath = "/forwarding";

    private readonly FakeTimeProvider _time = new();
    private readonly List<string> _started = [];
    private readonly Dictionary<string, TaskCompletionSource> _finish = new(StringComparer.Ordinal);
    private readonly RequestAdmission _admission;

    public RequestAdmissionTests()
    {
        var options = new GatewayOptions();
        options.Admission.MaxRequests = 1;
        options.Admission.MaxHold = MaxHold;
        _admission = new RequestAdmission(RunAsync, Options.Create(options), _time);
    }

    [Fact]
    public async Task PastTheLimit_PostsWaitInArrivalOrder_WhileGetsPass()
    {
        var first = Send("POST", "/first");
        var second = Send("POST", "/second");
        var third = Send("DELETE", "/third");
        var stream = Send("GET", "/stream");

        Assert.Equal(["/first", "/stream"], Started);
        _finish["/first"].SetResult();
        await first;
        await Poll.UntilAsync(() => Started.Contains("/second"), TimeSpan.FromSeconds(10), "the second request was not admitted when the first ended");
        Assert.Equal(["/first", "/stream", "/second"], Started);

        _finish["/second"].SetResult();
        await Poll.UntilAsync(() => Started.Contains("/third"), TimeSpan.FromSeconds(10), "the third request was not admitted when the second ended");
        _finish["/third"].SetResult();
        _finish["/stream"].SetResult();
        await Task.WhenAll(second, third, stream);
    }

    [Fact]
    public async Task ARequestRunningPastMaxHold_GivesItsPlaceToTheNext_AndEndingLaterReleasesNothingTwice()
    {
        var slow = Send("POST", "/slow");
        var next = Send("POST", "/next");
        _time.Advance(MaxHold - TimeSpan.FromMilliseconds(1));
        Assert.Equal(["/slow"], Started);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await Poll.UntilAsync(() => Started.Contains("/next"), TimeSpan.FromSeconds(10), "the slow request kept its place past MaxHold");

        // The slow one ends after giving its place back: the place is not given twice, so one more request still waits.
        _finish["/slow"].SetResult();
        await slow;
        var after = Send("POST", "/after");
        Assert.DoesNotContain("/after", Started);
        _finish["/next"].SetResult();
        await next;
        await Poll.UntilAsync(() => Started.Contains("/after"), TimeSpan.FromSeconds(10), "the request after was not admitted");
        _finish["/after"].SetResult();
        await after;
    }

    [Fact]
    public async Task ARequestAboutToWaitOnAnUpstream_GivesItsPlaceToTheNext_BeforeMaxHold()
    {
        var forwarding = Send("POST", ForwardingPath);
        var next = Send("POST", "/next");

        // No time passes: the place came back when the first started waiting elsewhere, not after MaxHold.
        await Poll.UntilAsync(() => Started.Contains("/next"), TimeSpan.FromSeconds(10), "the request kept its place while it waited on the upstream");
        _finish[ForwardingPath].SetResult();
        _finish["/next"].SetResult();
        await Task.WhenAll(forwarding, next);
    }

    [Fact]
    public async Task ACallerWhoLeavesWhileWaiting_IsNeverRun_AndTakesNoPlace()
    {
        var first = Send("POST", "/first");
        using var leaving = new CancellationTokenSource();
        var gone = SendUntil("POST", "/gone", leaving.Token);
        await leaving.CancelAsync();
        await gone; // ended quietly: the caller is gone, there is nobody to answer

        _finish["/first"].SetResult();
        await first;
        var next = Send("POST", "/next");
        await Poll.UntilAsync(() => Started.Contains("/next"), TimeSpan.FromSeconds(10), "the place of the caller who left was lost");
        Assert.DoesNotContain("/gone", Started);
        _finish["/next"].SetResult();
        await next;
    }

    private string[] Started
    {
        get
        {
            lock (_started)
            {
                return [.. _started];
            }
        }
    }

    private Task Send(string method, string path) => SendUntil(method, path, TestContext.Current.CancellationToken);

    // A request whose caller leaves when aborted is cancelled.
    private Task SendUntil(string method, string path, CancellationToken aborted)
    {
        _finish[path] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = new DefaultHttpContext { RequestAborted = aborted };
        context.Request.Method = method;
        context.Request.Path = path;
        return _admission.InvokeAsync(context);
    }

    private Task RunAsync(HttpContext context)
    {
        lock (_started)
        {
            _started.Add(context.Request.Path.Value!);
        }

        if (context.Request.Path == ForwardingPath)
        {
            AdmissionPlace.GiveBack(); // as UpstreamServer does before it forwards
        }

        return _finish[context.Request.Path.Value!].Task;
    }
}
