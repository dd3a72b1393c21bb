using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Switchboard.Upstreams.Catalog;

/// <summary>An upstream's prompt as the registry shows it: its definition verbatim, <c>prompts/get</c> forwarded.</summary>
internal sealed class ForwardedPrompt(UpstreamServer upstream, Prompt definition) : McpServerPrompt
{
    public override Prompt ProtocolPrompt => definition;

    public override IReadOnlyList<object> Metadata => [];

    public override async ValueTask<GetPromptResult> GetAsync(RequestContext<GetPromptRequestParams> request, CancellationToken cancellationToken = default)
    {
        // Asked for by its exposed name (server__prompt on /mcp); the upstream knows it by its own. As for tools, only
        // the arguments travel, not the caller's _meta.
        var forwarded = new GetPromptRequestParams { Name = definition.Name, Arguments = request.Params?.Arguments };
        return await upstream.ForwardAsync(
            "prompts/get",
            definition.Name,
            static (client, state, token) => client.GetPromptAsync(state, token),
            forwarded,
            cancellationToken);
    }
}
