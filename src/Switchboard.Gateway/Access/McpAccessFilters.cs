using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Access;
using Switchboard.Access.Diagnostics;
using Switchboard.Access.Identity;
using Switchboard.Errors;
using Switchboard.Gateway.Diagnostics;
using Switchboard.Gateway.Http;
using Switchboard.Policy;
using Switchboard.Registry;

namespace Switchboard.Gateway.Access;

/// <summary>
/// Puts <see cref="AccessGuard"/> in front of one session's view: list results show only what the caller may use,
/// and every request that names a tool, prompt or resource is decided first (the table in docs/access.md). Runs for
/// every message, after authentication has put the caller's roles on the request.
/// </summary>
/// <remarks>
/// A refusal is an answer, not a fault, so it is never thrown: the SDK logs an exception from a request filter at
/// Error with its stack trace (and again at Warning). A filter that refuses returns a stand-in result and leaves the
/// JSON-RPC error in the request's <see cref="MessageContext.Items"/>; the SDK sends the response with the request's
/// context, and an outgoing filter swaps it for that error. The stand-in itself refuses too (a tool result with
/// <c>isError</c>, empty content), so nothing leaks should the swap ever not happen.
/// </remarks>
internal sealed class McpAccessFilters(McpServerView view, AccessGuard guard)
{
    private const string RefusalKey = "switchboard:refusal";
    private const string FirstCachingRevision = "2026-07-28";

    // Short: a stateless client learns of a changed list only when its copy expires (there is no list_changed).
    private static readonly TimeSpan ListTimeToLive = TimeSpan.FromSeconds(10);

    private const int MaxMatchedNames = 4096;
    private readonly ConcurrentDictionary<string, ResolvedTool> _matched = new(StringComparer.Ordinal);

    public void AddTo(McpServerOptions options)
    {
        var filters = options.Filters.Request;
        filters.ListToolsFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            var principal = context.User.ToAccessPrincipal();
            // A quarantined tool is not listed; a call by name still reaches it and is refused with why.
            bool shared = result.Tools.All(t => guard.Allows(AccessPrincipal.Anonymous, Actions.CallTool, NameScope(t.Name)));
            result.Tools = [.. result.Tools.Where(t => view.IsListed(t.Name) && guard.Allows(principal, Actions.CallTool, NameScope(t.Name))).OrderBy(t => t.Name, StringComparer.Ordinal)];
            return WithCacheHints(result, context.Server, shared);
        });
        filters.CallToolFilters.Add(next => (context, cancellationToken) => CallToolAsync(next, context, cancellationToken));

        filters.ListPromptsFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            var principal = context.User.ToAccessPrincipal();
            bool shared = result.Prompts.All(p => guard.Allows(AccessPrincipal.Anonymous, Actions.GetPrompt, NameScope(p.Name)));
            result.Prompts = [.. result.Prompts.Where(p => guard.Allows(principal, Actions.GetPrompt, NameScope(p.Name))).OrderBy(p => p.Name, StringComparer.Ordinal)];
            return WithCacheHints(result, context.Server, shared);
        });
        filters.GetPromptFilters.Add(next => async (context, cancellationToken) =>
        {
            string name = context.Params?.Name ?? string.Empty;
            var decision = await guard.AuthorizeAsync(context.User.ToAccessPrincipal(), RequestMethods.PromptsGet, Actions.GetPrompt, NameScope(name), cancellationToken);
            return decision.Allowed
                ? await next(context, cancellationToken)
                : Refuse(context, decision, $"get the prompt '{name}'", new GetPromptResult());
        });

        filters.ListResourcesFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            var principal = context.User.ToAccessPrincipal();
            bool shared = result.Resources.All(r => guard.Allows(AccessPrincipal.Anonymous, Actions.ReadResource, ResourceScope(r.Uri)));
            result.Resources = [.. result.Resources.Where(r => guard.Allows(principal, Actions.ReadResource, ResourceScope(r.Uri))).OrderBy(r => r.Uri, StringComparer.Ordinal)];
            return WithCacheHints(result, context.Server, shared);
        });
        filters.ListResourceTemplatesFilters.Add(next => async (context, cancellationToken) =>
        {
            var result = await next(context, cancellationToken);
            var principal = context.User.ToAccessPrincipal();
            bool shared = result.ResourceTemplates.All(r => guard.Allows(AccessPrincipal.Anonymous, Actions.ReadResource, ResourceScope(r.UriTemplate)));
            result.ResourceTemplates = [.. result.ResourceTemplates.Where(r => guard.Allows(principal, Actions.ReadResource, ResourceScope(r.UriTemplate))).OrderBy(r => r.UriTemplate, StringComparer.Ordinal)];
            return WithCacheHints(result, context.Server, shared);
        });
        filters.ReadResourceFilters.Add(next => async (context, cancellationToken) =>
        {
            string uri = context.Params?.Uri ?? string.Empty;
            var decision = await AuthorizeResourceAsync(context, RequestMethods.ResourcesRead, uri, cancellationToken);
            return decision.Allowed ? await next(context, cancellationToken) : Refuse(context, decision, $"read the resource '{uri}'", new ReadResourceResult());
        });
        filters.SubscribeToResourcesFilters.Add(next => async (context, cancellationToken) =>
        {
            string uri = context.Params?.Uri ?? string.Empty;
            var decision = await AuthorizeResourceAsync(context, RequestMethods.ResourcesSubscribe, uri, cancellationToken);
            return decision.Allowed ? await next(context, cancellationToken) : Refuse(context, decision, $"subscribe to the resource '{uri}'", new EmptyResult());
        });
        filters.UnsubscribeFromResourcesFilters.Add(next => async (context, cancellationToken) =>
        {
            string uri = context.Params?.Uri ?? string.Empty;
            var decision = await AuthorizeResourceAsync(context, RequestMethods.ResourcesUnsubscribe, uri, cancellationToken);
            return decision.Allowed ? await next(context, cancellationToken) : Refuse(context, decision, $"unsubscribe from the resource '{uri}'", new EmptyResult());
        });

        // A completion names a prompt or a resource template; it is decided as getting or reading it, so its
        // suggestions never reveal what the caller may not see.
        filters.CompleteFilters.Add(next => async (context, cancellationToken) =>
        {
            var principal = context.User.ToAccessPrincipal();
            var (action, scope, what) = context.Params?.Ref switch
            {
                PromptReference prompt => (Actions.GetPrompt, NameScope(prompt.Name), $"complete arguments of the prompt '{prompt.Name}'"),
                ResourceTemplateReference resource => (Actions.ReadResource, ResourceScope(resource.Uri ?? string.Empty), $"complete arguments of the resource '{resource.Uri}'"),
                _ => (null, null, null),
            };
            if (action is null)
            {
                return await next(context, cancellationToken); // no ref, or one of no known type: the view refuses it as invalid
            }

            var decision = await guard.AuthorizeAsync(principal, RequestMethods.CompletionComplete, action, scope!, cancellationToken);
            return decision.Allowed
                ? await next(context, cancellationToken)
                : Refuse(context, decision, what!, new CompleteResult { Completion = new Completion { Values = [] } });
        });

        options.Filters.Message.IncomingFilters.Add(AuthorizeListenSubscriptions);
        options.Filters.Message.OutgoingFilters.Add(SendRefusals);
    }

    // Every call is decided and audited, whether or not its name resolves: one the caller may not make is refused the
    // same way whether or not the tool exists; one it may make reaches the SDK, which answers an unknown name itself.
    private async ValueTask<CallToolResult> CallToolAsync(McpRequestHandler<CallToolRequestParams, CallToolResult> next, RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
    {
        string exposed = context.Params?.Name ?? string.Empty;
        // Labels only for a tool the registry holds (the SDK matched it before the filters ran); any other name is
        // 'unknown', so callers cannot mint series.
        string server = GatewayDiagnostics.Unknown, tool = GatewayDiagnostics.Unknown;
        string scope;
        if (context.MatchedPrimitive is not null && ResolveMatched(exposed) is { } matched)
        {
            (server, tool, scope) = (matched.Server, matched.Tool, matched.Scope);
        }
        else
        {
            scope = NameScope(exposed);
        }

        var principal = context.User.ToAccessPrincipal();
        long started = Stopwatch.GetTimestamp();
        GatewayDiagnostics.ToolCallStarted();
        using var activity = GatewayDiagnostics.ActivitySource.StartActivity("switchboard.tool_call");
        if (activity is not null)
        {
            activity.DisplayName = $"tool_call {server}/{tool}";
            activity.SetTag("mcp.server", server);
            activity.SetTag("gen_ai.tool.name", tool);
            activity.SetTag("enduser.id", principal.Id);
        }

        string outcome = ToolOutcomes.Failed;
        try
        {
            var grant = await guard.AuthorizeToolCallAsync(principal, scope, context.Params?.Arguments, cancellationToken);
            if (!grant.Allowed)
            {
                outcome = ToolOutcomes.Of(grant.Outcome);
                if (grant.Outcome == AccessOutcome.RateLimited)
                {
                    AccessDiagnostics.RecordRateLimitRefusal(server);
                }

                return Refuse(context, grant, $"call the tool '{exposed}'", RefusedToolResult);
            }

            CallToolResult result;
            try
            {
                result = await next(context, cancellationToken);
            }
            catch (Exception e)
            {
                // The SDK matched the name before the filters ran: nothing matched means no such tool.
                var failure = e is McpProtocolException && context.MatchedPrimitive is null ? ToolCallOutcome.UnknownTool : ToolCallOutcome.Failed;
                outcome = e is McpProtocolException { ErrorCode: SwitchboardErrorCodes.UpstreamUnavailable or SwitchboardErrorCodes.UpstreamTimeout or SwitchboardErrorCodes.UpstreamBusy } ? ToolOutcomes.UpstreamUnavailable : ToolOutcomes.Failed;
                await guard.CompleteToolCallAsync(grant, failure, CancellationToken.None);
                if (e is McpProtocolException expected && (failure == ToolCallOutcome.UnknownTool || outcome == ToolOutcomes.UpstreamUnavailable))
                {
                    // The caller's mistake, or an upstream that failed (logged once, as a Warning, where it happened):
                    // not a fault of ours. Answered with its error, which the SDK would also log as an unhandled
                    // exception at Error, with its stack and the name as sent (a newline in it forges a line).
                    context.Items[RefusalKey] = new JsonRpcErrorDetail { Code = (int)expected.ErrorCode, Message = expected.Message, Data = McpErrorData.Of(expected.Data) };
                    return RefusedToolResult;
                }

                throw;
            }

            // The answer waits until the audit event is durable: a call the trail cannot record is never acknowledged.
            var recorded = await guard.CompleteToolCallAsync(grant, result.IsError == true ? ToolCallOutcome.ToolError : ToolCallOutcome.Ok, CancellationToken.None);
            if (!recorded.Allowed)
            {
                outcome = ToolOutcomes.StorageUnavailable;
                return Refuse(context, recorded, $"call the tool '{exposed}'", RefusedToolResult);
            }

            outcome = result.IsError == true ? ToolOutcomes.Error : ToolOutcomes.Ok;
            return result;
        }
        finally
        {
            GatewayDiagnostics.ToolCallEnded();
            var tags = new TagList
            {
                { "mcp.server", server },
                { "mcp.tool", tool },
                { "outcome", outcome },
            };
            GatewayDiagnostics.ToolCallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            if (activity is not null)
            {
                activity.SetTag("switchboard.outcome", outcome);
                if (outcome is not (ToolOutcomes.Ok or ToolOutcomes.Error))
                {
                    activity.SetStatus(ActivityStatusCode.Error, outcome);
                }
            }
        }
    }

    // A tool the SDK matched, resolved once: its name, server and scope are the same strings on every call. Only
    // matched names are kept, so the entries are bounded by the tools served, not by what callers send; the bound
    // below is a backstop should the registry change its tools very often.
    private ResolvedTool? ResolveMatched(string exposed)
    {
        if (_matched.TryGetValue(exposed, out var known))
        {
            return known;
        }

        if (!view.TryResolveName(exposed, out var server, out var tool))
        {
            return null;
        }

        if (_matched.Count >= MaxMatchedNames)
        {
            _matched.Clear();
        }

        var resolved = new ResolvedTool(server, tool, $"{server}/{tool}"); // as NameScope decides it
        _matched[exposed] = resolved;
        return resolved;
    }

    private sealed record ResolvedTool(string Server, string Tool, string Scope);

    private ValueTask<AccessDecision> AuthorizeResourceAsync<TParams>(RequestContext<TParams> context, string method, string uri, CancellationToken cancellationToken) =>
        guard.AuthorizeAsync(context.User.ToAccessPrincipal(), method, Actions.ReadResource, ResourceScope(uri), cancellationToken);

    // subscriptions/listen (2026-07-28) has no request filter: its resourceSubscriptions are decided here, before
    // the SDK sees the request. Read with the SDK's own contract, so both see the same URIs.
    // Every other message (each tools/call among them) is handed on without an async state machine of its own.
    private McpMessageHandler AuthorizeListenSubscriptions(McpMessageHandler next) => (context, cancellationToken) =>
        context.JsonRpcMessage is JsonRpcRequest { Method: RequestMethods.SubscriptionsListen } request && ListenedResources(request) is { Count: > 0 } uris
            ? AuthorizeListenedResourcesAsync(context, request, uris, next, cancellationToken)
            : next(context, cancellationToken);

    private async Task AuthorizeListenedResourcesAsync(MessageContext context, JsonRpcRequest request, IList<string> uris, McpMessageHandler next, CancellationToken cancellationToken)
    {
        var principal = context.User.ToAccessPrincipal();
        foreach (string uri in uris)
        {
            var decision = await guard.AuthorizeAsync(principal, RequestMethods.SubscriptionsListen, Actions.ReadResource, ResourceScope(uri), cancellationToken);
            if (!decision.Allowed)
            {
                // The server is bound to the request's own response stream, which the error goes back on.
                await context.Server.SendMessageAsync(new JsonRpcError { Id = request.Id, Error = Error(decision, $"subscribe to the resource '{uri}'") }, cancellationToken);
                return;
            }
        }

        await next(context, cancellationToken);
    }

    private static McpMessageHandler SendRefusals(McpMessageHandler next) => (context, cancellationToken) =>
    {
        if (context.JsonRpcMessage is JsonRpcResponse { Context.Items: { } items } response && items.TryGetValue(RefusalKey, out var refusal) && refusal is JsonRpcErrorDetail error)
        {
            context.JsonRpcMessage = new JsonRpcError { Id = response.Id, Error = error, Context = response.Context };
        }

        return next(context, cancellationToken);
    };

    private static IList<string>? ListenedResources(JsonRpcRequest request)
    {
        try
        {
            return request.Params is null ? null : JsonSerializer.Deserialize(request.Params, McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(SubscriptionsListenRequestParams))) is SubscriptionsListenRequestParams { Notifications.ResourceSubscriptions: { } uris } ? uris : null;
        }
        catch (JsonException)
        {
            return null; // malformed: the SDK refuses it with the same contract
        }
    }

    /// <summary>
    /// SEP-2549 cache hints on a list for a 2026-07-28 client, in name order so that it is the same list while the set
    /// is unchanged. A list is filtered by the caller's roles, so it may be shared across callers (<c>public</c>) only
    /// when it is <paramref name="sameForEveryone"/>: permissions only ever add, so a list an anonymous caller would
    /// see whole is the same for all. Otherwise it is <c>private</c>, for this caller alone.
    /// </summary>
    private static T WithCacheHints<T>(T result, McpServer server, bool sameForEveryone) where T : ICacheableResult
    {
        if (string.CompareOrdinal(server.NegotiatedProtocolVersion, FirstCachingRevision) >= 0)
        {
            result.TimeToLive = ListTimeToLive;
            result.CacheScope = sameForEveryone ? CacheScope.Public : CacheScope.Private;
        }

        return result;
    }

    private static CallToolResult RefusedToolResult => new() { IsError = true, Content = [new TextContentBlock { Text = "Refused." }] };

    // A name that resolves is decided on server/name; one that does not is decided as given, so permissions scoped
    // to servers deny it and only unscoped (or '**') ones allow it.
    private string NameScope(string exposedName) =>
        view.TryResolveName(exposedName, out var server, out var name) ? $"{server}/{name}" : exposedName;

    private string ResourceScope(string uri) =>
        view.ServerOfResource(uri) is { } server ? $"{server}/{uri}" : uri;

    private static TResult Refuse<TParams, TResult>(RequestContext<TParams> context, AccessDecision decision, string what, TResult standIn)
    {
        context.Items[RefusalKey] = Error(decision, what);
        return standIn;
    }

    private static JsonRpcErrorDetail Error(AccessDecision decision, string what)
    {
        string caller = decision.Principal.Id == AccessPrincipal.AnonymousId ? "an anonymous caller" : decision.Principal.Id;
        string seconds = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        var (message, data) = decision.Outcome switch
        {
            AccessOutcome.RateLimited => (
                $"Rate limit '{decision.Limit}' reached: {caller} may not {what} now; retry after {seconds} s.",
                new JsonObject { ["retryAfterSeconds"] = decision.RetryAfterSeconds, ["limit"] = decision.Limit }),
            AccessOutcome.StorageUnavailable => (
                $"Switchboard's database is unavailable, so the request to {what} could not be written to the audit trail and no result is returned (a tool already running when it went away has its result withheld); retry in {seconds} s.",
                new JsonObject { ["retryAfterSeconds"] = decision.RetryAfterSeconds }),
            _ => ($"Permission denied: {caller} may not {what}; {decision.Reason}.", null),
        };
        return new JsonRpcErrorDetail { Code = (int)decision.ErrorCode!.Value, Message = message, Data = data };
    }
}
