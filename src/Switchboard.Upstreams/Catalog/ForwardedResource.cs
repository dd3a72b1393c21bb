using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

using Switchboard.Upstreams.Sessions;

namespace Switchboard.Upstreams.Catalog;

/// <summary>
/// An upstream's resource or resource template as the registry shows it: its definition verbatim (URIs are never
/// rewritten), <c>resources/read</c> forwarded with the URI the client asked for.
/// </summary>
internal sealed class ForwardedResource : McpServerResource
{
    private readonly UpstreamServer _upstream;
    private readonly Resource? _resource;
    private readonly ResourceTemplate _template;
    private readonly UriTemplateMatcher? _matcher;

    /// <summary>A direct resource: read by its exact URI.</summary>
    public ForwardedResource(UpstreamServer upstream, Resource resource)
    {
        _upstream = upstream;
        _resource = resource;
        _template = new ResourceTemplate
        {
            UriTemplate = resource.Uri,
            Name = resource.Name,
            Title = resource.Title,
            Description = resource.Description,
            MimeType = resource.MimeType,
            Annotations = resource.Annotations,
            Icons = resource.Icons,
            Meta = resource.Meta,
        };
    }

    /// <summary>A resource template: reads any URI that matches it.</summary>
    public ForwardedResource(UpstreamServer upstream, ResourceTemplate template)
    {
        _upstream = upstream;
        _template = template;
        _matcher = new UriTemplateMatcher(template.UriTemplate);
    }

    public override ResourceTemplate ProtocolResourceTemplate => _template;

    public override Resource? ProtocolResource => _resource;

    public override IReadOnlyList<object> Metadata => [];

    public override bool IsMatch(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return _matcher is null ? string.Equals(uri, _resource!.Uri, StringComparison.Ordinal) : _matcher.IsMatch(uri);
    }

    public override async ValueTask<ReadResourceResult> ReadAsync(RequestContext<ReadResourceRequestParams> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        string uri = request.Params?.Uri ?? _template.UriTemplate;
        return await InputRequiredBridge.ForwardAsync(
            _upstream,
            RequestMethods.ResourcesRead,
            uri,
            request,
            new ReadResourceRequestParams { Uri = uri },
            (forwarded, token) => _upstream.ForwardAsync(
                RequestMethods.ResourcesRead,
                uri,
                static async (client, state, token) => await UpstreamRequests.ReadResourceAsync(client, state, token),
                forwarded,
                token),
            cancellationToken);
    }
}
