using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Switchboard.Admission;
using Switchboard.Gateway.Diagnostics;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Bounds the requests the gateway works on at once (<see cref="GatewayAdmissionOptions"/>); the rest wait their
/// turn in arrival order. Past its capacity a gateway that starts every request at once interleaves thousands of
/// half-done calls: each lives through many collections, memory grows, the CPU per call rises by a third and throughput
/// falls well below capacity and stays there (bench/README.md, "Admission"). Served in order, each admitted request
/// finishes quickly and the gateway keeps serving at capacity while the excess waits.
/// </summary>
/// <remarks>
/// Only requests that do work take a place: <c>GET</c> (an SSE stream, a probe, a scrape), <c>HEAD</c> and
/// <c>OPTIONS</c> pass at once. A request gives its place back as it starts waiting on an upstream server or a model
/// (<see cref="AdmissionPlace.GiveBack"/>), or at the latest after <see cref="GatewayAdmissionOptions.MaxHold"/>
/// (by then it waits on something else, a person say, rather than on this process): a slow tool must not keep fast
/// calls out.
/// </remarks>
internal sealed class RequestAdmission(RequestDelegate next, IOptions<GatewayOptions> options, TimeProvider timeProvider)
{
    private readonly SemaphoreSlim _places = new(options.Value.Admission.EffectiveMaxRequests);
    private readonly TimeSpan _maxHold = options.Value.Admission.MaxHold;

    public Task InvokeAsync(HttpContext context)
    {
        string method = context.Request.Method;
        return HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
            ? next(context)
            : AdmitAsync(context);
    }

    private async Task AdmitAsync(HttpContext context)
    {
        if (!_places.Wait(0))
        {
            GatewayDiagnostics.AdmissionWaitStarted();
            try
            {
                await _places.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                return; // the caller left while waiting: nobody to answer, nothing to log
            }
            finally
            {
                GatewayDiagnostics.AdmissionWaitEnded();
            }
        }

        var place = new AdmissionPlace(_places);
        AdmissionPlace.Current = place; // for the code that forwards upstream or calls a model: it gives it back first
        using var giveBack = timeProvider.CreateTimer(static place => ((AdmissionPlace)place!).Release(), place, _maxHold, Timeout.InfiniteTimeSpan);
        try
        {
            await next(context);
        }
        finally
        {
            place.Release();
        }
    }
}
