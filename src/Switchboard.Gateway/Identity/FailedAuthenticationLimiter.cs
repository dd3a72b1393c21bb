using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Gateway.Diagnostics;
using Switchboard.Gateway.Http;
using Switchboard.Storage.Caching;
using Switchboard.Storage.Model;
using Switchboard.Storage.Repositories;

namespace Switchboard.Gateway.Identity;

/// <summary>
/// Counts failed authentications per client address, audits each, and refuses further failing attempts from an address
/// that has failed too often with 429 and <c>Retry-After</c> (instead of 401, and without an audit event each). Only
/// failures are throttled: a valid credential from a blocked address still passes, so a guesser behind the same NAT
/// cannot lock its neighbours out, and a request without a credential (the MCP authorization flow) gets its 401
/// challenge. Only requests that present a credential and are answered 401 count.
/// </summary>
/// <remarks>
/// The count is shared through Redis (a token bucket per address), so an attacker gains nothing by spreading guesses
/// over replicas; the block itself is remembered per replica, set when that replica's next failure is refused.
/// Behind a reverse proxy, configure forwarded headers so the address is the client's, not the proxy's.
/// </remarks>
internal sealed class FailedAuthenticationLimiter(
    RequestDelegate next,
    IDistributedRateLimiter buckets,
    IAuditStore audit,
    IOptions<IdentityOptions> options,
    TimeProvider time)
{
    private const int MaxTrackedAddresses = 100_000;
    private const int MaxReasonLength = 200;
    private static readonly PathString HealthPath = "/healthz";

    private readonly ConcurrentDictionary<string, DateTimeOffset> _blockedUntil = new(StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context)
    {
        string address = context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        if (!context.Request.Path.StartsWithSegments(HealthPath, StringComparison.OrdinalIgnoreCase) && IsBlocked(address, out var retryAfter)
            && PresentsCredential(context.Request) && !(await context.AuthenticateAsync()).Succeeded)
        {
            // The handlers cache the result, so the request's own authentication later reuses this one.
            GatewayDiagnostics.RecordAuthFailure(AuthFailureReasons.Invalid);
            await RefuseAsync(context, retryAfter);
            return;
        }

        await next(context);

        switch (context.Response.StatusCode)
        {
            case StatusCodes.Status401Unauthorized when PresentsCredential(context.Request):
                await RecordFailureAsync(context, address);
                break;
            case StatusCodes.Status401Unauthorized:
                GatewayDiagnostics.RecordAuthFailure(AuthFailureReasons.Missing);
                break;
            case StatusCodes.Status403Forbidden:
                GatewayDiagnostics.RecordAuthFailure(AuthFailureReasons.Forbidden);
                break;
        }
    }

    private bool IsBlocked(string address, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (!_blockedUntil.TryGetValue(address, out var until))
        {
            return false;
        }

        retryAfter = until - time.GetUtcNow();
        if (retryAfter > TimeSpan.Zero)
        {
            return true;
        }

        _blockedUntil.TryRemove(KeyValuePair.Create(address, until));
        return false;
    }

    private async Task RecordFailureAsync(HttpContext context, string address)
    {
        var limit = options.Value.FailedAuthenticationLimit;
        var taken = await buckets.TryAcquireAsync($"auth-failures:{address}", new TokenBucketPolicy(limit.Burst, limit.PerSecond), 1, CancellationToken.None);
        // The handlers cache their result per request, so asking again costs nothing and says why it failed.
        string reason = (await context.AuthenticateAsync()).Failure?.Message ?? "credential not recognised";
        GatewayDiagnostics.RecordAuthFailure(AuthFailureReasons.Of(reason));
        var details = new JsonObject
        {
            ["reason"] = reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason,
            ["path"] = context.Request.Path.Value,
        };
        if (taken.Allowed)
        {
            await AppendAsync($"anonymous:{address}", "auth.failed", Credential(context.Request), details);
            return;
        }

        if (_blockedUntil.Count >= MaxTrackedAddresses)
        {
            _blockedUntil.Clear(); // bounded memory; a cleared address is blocked again at its next failure
        }

        bool newlyBlocked = !_blockedUntil.ContainsKey(address);
        _blockedUntil[address] = time.GetUtcNow() + taken.RetryAfter;
        if (newlyBlocked)
        {
            // One event per block, not one per refused guess, so a flood cannot flood the audit trail.
            details["retryAfterSeconds"] = Math.Ceiling(taken.RetryAfter.TotalSeconds);
            await AppendAsync($"anonymous:{address}", "auth.blocked", Credential(context.Request), details);
        }
    }

    private Task AppendAsync(string actor, string action, string target, JsonObject details) =>
        audit.AppendAsync(new AuditEventDraft(time.GetUtcNow(), actor, action, target, "denied", details.ToJsonString()), CancellationToken.None);

    private static async Task RefuseAsync(HttpContext context, TimeSpan retryAfter)
    {
        double seconds = Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await JsonRpcErrorResponse.WriteAsync(
            context,
            StatusCodes.Status429TooManyRequests,
            SwitchboardErrorCodes.RateLimited,
            $"Too many failed authentications from this address; retry after {seconds.ToString(CultureInfo.InvariantCulture)} s.");
    }

    private static bool PresentsCredential(HttpRequest request) =>
        request.Headers.Authorization.Count > 0 || request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName);

    // What kind of credential failed, and for a key its public prefix: never the secret.
    private static string Credential(HttpRequest request) =>
        ApiKeyAuthenticationHandler.PresentedKey(request) is { } key && ApiKeyFormat.TryParse(key, out var prefix, out _)
            ? prefix
            : request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName) ? "api-key" : "authorization-header";
}
