using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Switchboard.Upstreams.Sessions;

/// <summary>
/// Lets an input-required result (SEP-2322) of a forwarded request reach the gateway as it is. The SDK's
/// <see cref="McpClient"/> answers such a result itself, with the handlers of the one client every caller shares; a
/// gateway must instead hand the upstream's questions to the caller that made the request. So for the requests
/// marked with <see cref="PassThroughKey"/>, this transport renames the result's <c>resultType</c> before the client
/// sees it; <see cref="TryTakeInputRequired"/> turns it back into the upstream's <see cref="InputRequiredResult"/>.
/// Progress notifications are handed to <see cref="ProgressRelay"/> here too, in the order they arrive.
/// </summary>
internal sealed class InputRequiredPassThroughTransport(IClientTransport inner) : IClientTransport
{
    /// <summary>The key in <see cref="JsonRpcMessageContext.Items"/> of a request whose input-required result is passed through.</summary>
    public const string PassThroughKey = "switchboard/pass-input-required";

    private const string InputRequired = "input_required";

    // A resultType no client acts on, so the SDK's retry loop returns the result to its caller.
    private const string PassedThrough = "switchboard/input_required";

    public string Name => inner.Name;

    public async Task<ITransport> ConnectAsync(CancellationToken cancellationToken = default) =>
        new Connection(await inner.ConnectAsync(cancellationToken));

    /// <summary>The upstream's input-required result in <paramref name="result"/>, from a request marked with <see cref="PassThroughKey"/>.</summary>
    public static bool TryTakeInputRequired(JsonNode? result, [NotNullWhen(true)] out InputRequiredResult? inputRequired)
    {
        inputRequired = null;
        if (result is not JsonObject fields || fields["resultType"] is not JsonValue type || type.GetValueKind() != JsonValueKind.String || type.GetValue<string>() != PassedThrough)
        {
            return false;
        }

        fields["resultType"] = InputRequired;
        inputRequired = fields.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<InputRequiredResult>())
            ?? throw new McpException("The upstream sent an input-required result that could not be read.");
        return true;
    }

    private sealed class Connection(ITransport inner) : ITransport
    {
        // The marked requests still waiting for their response.
        private readonly ConcurrentDictionary<RequestId, byte> _waiting = new();

        public string? SessionId => inner.SessionId;

        public ChannelReader<JsonRpcMessage> MessageReader => field ??= new RewritingReader(inner.MessageReader, this);

        public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default)
        {
            switch (message)
            {
                case JsonRpcRequest { Context.Items: { } items } request when items.ContainsKey(PassThroughKey):
                    _waiting[request.Id] = 0;
                    break;
                case JsonRpcNotification { Method: NotificationMethods.CancelledNotification, Params: JsonObject cancelled }
                    when cancelled["requestId"]?.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<RequestId>()) is { } id:
                    _waiting.TryRemove(id, out _); // no response will come
                    break;
            }

            return inner.SendMessageAsync(message, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();

        private JsonRpcMessage Received(JsonRpcMessage message)
        {
            ProgressRelay.Observe(message);
            if (message is JsonRpcMessageWithId { Id: var id } answer and (JsonRpcResponse or JsonRpcError) && _waiting.TryRemove(id, out _)
                && answer is JsonRpcResponse { Result: JsonObject result }
                && result["resultType"] is JsonValue type && type.GetValueKind() == JsonValueKind.String && type.GetValue<string>() == InputRequired)
            {
                result["resultType"] = PassedThrough;
            }

            return message;
        }

        private sealed class RewritingReader(ChannelReader<JsonRpcMessage> inner, Connection connection) : ChannelReader<JsonRpcMessage>
        {
            public override Task Completion => inner.Completion;

            public override bool TryRead([MaybeNullWhen(false)] out JsonRpcMessage item)
            {
                if (inner.TryRead(out item))
                {
                    item = connection.Received(item);
                    return true;
                }

                return false;
            }

            public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default) => inner.WaitToReadAsync(cancellationToken);
        }
    }
}
