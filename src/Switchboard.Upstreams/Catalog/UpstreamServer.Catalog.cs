using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Text;
using Switchboard.Upstreams.Catalog;
using Switchboard.Upstreams.Resilience;

namespace Switchboard.Upstreams;

// The rest of the catalog: an upstream's prompts, resources and resource templates, listed when it connects, again on
// its */list_changed notifications and once they are older than ListTtl; prompts/get, resources/read and
// completion/complete forwarded through the same pipeline as tools/call.
public sealed partial class UpstreamServer
{
    private long _listedAtTimestamp;
    private string? _promptsListed;
    private string? _resourcesListed;
    private string? _toolsShown;
    private ToolNaming? _toolNaming;

    /// <summary>
    /// Forwards one request to the upstream through the resilience pipeline, connecting first if needed. The
    /// upstream's own errors reach the caller unchanged; the gateway's are those of <see cref="UpstreamFailure"/>.
    /// </summary>
    internal ValueTask<TResult> ForwardAsync<TState, TResult>(
        string method,
        string target,
        Func<McpClient, TState, CancellationToken, ValueTask<TResult>> send,
        TState state,
        CancellationToken cancellationToken) =>
        // Lists, reads and completions have no effects: safe to retry.
        SendAsync($"switchboard.upstream {method}", method, target, safe: true, _options.Timeout, send, state, cancellationToken);

    /// <summary>
    /// Shows <paramref name="tools"/> in <see cref="Catalog"/> under their exposed names (renamed, hidden and sanitized
    /// as <see cref="UpstreamOptions.Tools"/> says), those in <paramref name="quarantined"/> withheld. Called under the
    /// catalog lock; showing what is already shown sends no <c>list_changed</c>.
    /// </summary>
    private void ShowTools(List<Tool> tools, IReadOnlySet<string> quarantined)
    {
        var collisions = new List<(string Tool, string Name)>();
        var exposed = (_toolNaming ??= new ToolNaming(Name, _options.Tools)).Expose(tools, (tool, name) => collisions.Add((tool, name)));
        string shown = JsonSerializer.Serialize(new { tools = exposed.Select(e => e.Exposed).ToList(), quarantined = quarantined.Order(StringComparer.Ordinal).ToList() }, McpJsonUtilities.DefaultOptions);
        if (shown == _toolsShown)
        {
            return;
        }

        _toolsShown = shown;
        foreach (var (tool, name) in collisions)
        {
            LogToolNameTaken(_logger, Name, PrintableText.Escape(tool)!, PrintableText.Escape(name)!);
        }

        Volatile.Write(ref _quarantined, quarantined);
        using (Catalog.Tools.DeferChangedEvents())
        {
            Catalog.Tools.Clear();
            foreach (var (definition, upstreamName) in exposed)
            {
                Catalog.Tools.TryAdd(quarantined.Contains(upstreamName)
                    ? new QuarantinedTool(Name, definition, upstreamName)
                    : new ForwardedTool(this, definition, upstreamName));
            }
        }
    }

    /// <summary>Lists the upstream's prompts, resources and templates into <see cref="Catalog"/>, as far as it offers them.</summary>
    private async Task RefreshCatalogAsync(McpClient client, CancellationToken cancellationToken)
    {
        var capabilities = client.ServerCapabilities;
        List<Prompt> prompts = [];
        if (capabilities.Prompts is not null)
        {
            (prompts, var rejected) = await UpstreamToolList.ListAsync<Prompt>(client, RequestMethods.PromptsList, "prompts", p => p.Name.Length > 0, cancellationToken);
            LogRejected("prompt", rejected);
        }

        List<Resource> resources = [];
        List<ResourceTemplate> templates = [];
        if (capabilities.Resources is not null)
        {
            (resources, var rejected) = await UpstreamToolList.ListAsync<Resource>(client, RequestMethods.ResourcesList, "resources", r => r.Uri.Length > 0, cancellationToken);
            LogRejected("resource", rejected);
            (templates, rejected) = await UpstreamToolList.ListAsync<ResourceTemplate>(client, RequestMethods.ResourcesTemplatesList, "resourceTemplates", t => t.UriTemplate.Length > 0, cancellationToken);
            LogRejected("resource template", rejected);
        }

        await _catalogLock.WaitAsync(cancellationToken);
        try
        {
            // Re-listing what is already shown changes nothing, and sends no list_changed.
            string promptsListed = JsonSerializer.Serialize(prompts, McpJsonUtilities.DefaultOptions);
            if (promptsListed != _promptsListed)
            {
                _promptsListed = promptsListed;
                using (Catalog.Prompts.DeferChangedEvents())
                {
                    Catalog.Prompts.Clear();
                    foreach (var prompt in prompts)
                    {
                        Catalog.Prompts.TryAdd(new ForwardedPrompt(this, prompt));
                    }
                }
            }

            string resourcesListed = JsonSerializer.Serialize(new { resources, templates }, McpJsonUtilities.DefaultOptions);
            if (resourcesListed != _resourcesListed)
            {
                _resourcesListed = resourcesListed;
                using (Catalog.Resources.DeferChangedEvents())
                {
                    Catalog.Resources.Clear();
                    foreach (var resource in resources)
                    {
                        Catalog.Resources.TryAdd(new ForwardedResource(this, resource));
                    }

                    foreach (var template in templates)
                    {
                        Catalog.Resources.TryAdd(new ForwardedResource(this, template));
                    }
                }
            }
        }
        finally
        {
            _catalogLock.Release();
        }
    }

    /// <summary>
    /// Lists prompts and resources on connecting. An upstream whose tools answer but whose other lists fail keeps its
    /// tools: the failure is logged (4033) and the next <c>list_changed</c> or <see cref="UpstreamOptions.ListTtl"/> tries again.
    /// </summary>
    private async Task TryRefreshCatalogAsync(McpClient client, CancellationToken cancellationToken)
    {
        try
        {
            await RefreshCatalogAsync(client, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
        {
            LogListingFailed(_logger, Name, UpstreamFailure.ReasonFor(e));
        }
    }

    /// <summary>Lists prompts and resources again when the upstream says they changed.</summary>
    private void WatchCatalog(McpClient client)
    {
        foreach (string notification in (string[])[NotificationMethods.PromptListChangedNotification, NotificationMethods.ResourceListChangedNotification])
        {
            client.RegisterNotificationHandler(notification, (_, _) =>
            {
                // Not awaited: the listing's answer arrives through the loop that is running this handler.
                _catalogRelist.Changed(client);
                return ValueTask.CompletedTask;
            });
        }

        Interlocked.Exchange(ref _listedAtTimestamp, Stopwatch.GetTimestamp());
    }

    /// <summary>
    /// Lists tools, prompts and resources again once the last listing is older than <see cref="UpstreamOptions.ListTtl"/>:
    /// a safety net for upstreams that change without announcing it.
    /// </summary>
    internal async Task RefreshIfStaleAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _client) is not { Completion.IsCompleted: false } client
            || Stopwatch.GetElapsedTime(Interlocked.Read(ref _listedAtTimestamp)) < _options.ListTtl)
        {
            return;
        }

        Interlocked.Exchange(ref _listedAtTimestamp, Stopwatch.GetTimestamp());
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.Timeout);
        try
        {
            await RefreshToolsAsync(client, timeout.Token);
            await RefreshCatalogAsync(client, timeout.Token);
        }
        catch (Exception e) when (e is not OutOfMemoryException && !cancellationToken.IsCancellationRequested)
        {
            LogListingFailed(_logger, Name, UpstreamFailure.ReasonFor(e));
        }
    }

    // completion/complete for the upstream's prompts and templates; the view has already put back their own names.
    private async ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _client) is { ServerCapabilities.Completions: null })
        {
            return new CompleteResult { Completion = new Completion { Values = [], Total = 0, HasMore = false } };
        }

        var forwarded = new CompleteRequestParams { Ref = request.Params!.Ref, Argument = request.Params.Argument, Context = request.Params.Context };
        return await ForwardAsync(
            "completion/complete",
            forwarded.Ref is PromptReference prompt ? prompt.Name : (forwarded.Ref as ResourceTemplateReference)?.Uri ?? string.Empty,
            static (client, state, token) => client.CompleteAsync(state, token),
            forwarded,
            cancellationToken);
    }

    private void LogRejected(string kind, List<string> rejected)
    {
        foreach (string name in rejected)
        {
            LogEntryRejected(_logger, Name, kind, PrintableText.Escape(name)!);
        }
    }

    [LoggerMessage(EventId = 4032, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': the tool '{Tool}' is left out: the name it would be exposed under, '{Name}', is taken by another of its tools.")]
    private static partial void LogToolNameTaken(ILogger logger, string server, string tool, string name);

    [LoggerMessage(EventId = 4033, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': its lists could not be read again: {Reason}; what was listed last is served, and the next list_changed or ListTtl tries again.")]
    private static partial void LogListingFailed(ILogger logger, string server, string reason);

    [LoggerMessage(EventId = 4030, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': the {Kind} '{Entry}' is left out: the SDK cannot represent its definition.")]
    private static partial void LogEntryRejected(ILogger logger, string server, string kind, string entry);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Warning, Message = "Remote MCP server '{Server}': {Method} of '{Target}' failed: {Reason}.")]
    private static partial void LogForwardFailed(ILogger logger, string server, string method, string target, string reason);
}
