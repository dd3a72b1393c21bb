using System.Threading.Channels;
using ModelContextProtocol.Protocol;

namespace Switchboard.Workflows.Tasks;

/// <summary>
/// The transport of the server a worker invokes tools through: no client is attached (the task's client polls
/// later), so nothing arrives and what a tool sends (a log line, progress) goes nowhere.
/// </summary>
internal sealed class DetachedTransport : ITransport
{
    private readonly Channel<JsonRpcMessage> _incoming = Channel.CreateUnbounded<JsonRpcMessage>();

    public string? SessionId => null;

    public ChannelReader<JsonRpcMessage> MessageReader => _incoming.Reader;

    public Task SendMessageAsync(JsonRpcMessage message, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        _incoming.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }
}
