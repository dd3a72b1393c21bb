using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Upstreams.Sessions;

namespace Switchboard.Upstreams.Catalog;

/// <summary>An upstream's prompt as the registry shows it: its definition verbatim, <c>prompts/get</c> forwarded.</summary>
internal sealed class ForwardedPrompt(UpstreamServer upstream, Prompt definition) : McpServerPrompt
{
    public override Prompt ProtocolPrompt => definition;

    public override IReadOnlyList<object> Metadata => [];

    public override async ValueTask<GetPromptResult> GetAsync(RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken = default)
    {
        // Asked for by its exposed name (server__prompt on /mcp); the upstream knows it by its own. As for tools, only
        // the arguments, the caller's capabilities and its answers to the upstream's questions travel.
        return await InputRequiredBridge.ForwardAsync(
            upstream,
            RequestMethods.PromptsGet,
            definition.Name,
            request,
            new GetPromptRequestParams { Name = definition.Name, Arguments = request.Params?.Arguments },
            (forwarded, token) => upstream.ForwardAsync(
                RequestMethods.PromptsGet,
                definition.Name,
                static async (client, state, token) => await UpstreamRequests.GetPromptAsync(client, state, token),
                forwarded,
                token),
            cancellationToken);
    }
}
