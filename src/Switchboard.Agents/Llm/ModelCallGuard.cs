using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Switchboard.Admission;

namespace Switchboard.Agents.Llm;

/// <summary>
/// Middleware next to the provider's client: whatever the SDK throws becomes a <see cref="ModelCallException"/>
/// (the one <see cref="ProviderHttpHandler"/> raised, when the SDK wrapped it), and a tool call whose arguments are
/// not a JSON object fails the call clearly instead of reaching the agent as a call with no arguments.
/// </summary>
internal sealed class ModelCallGuard(IChatClient inner, string provider, ILogger logger) : DelegatingChatClient(inner)
{
    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        AdmissionPlace.GiveBack(); // from here the request waits on the model, not on this process
        ChatResponse response;
        try
        {
            response = await base.GetResponseAsync(messages, options, cancellationToken);
        }
        catch (Exception e) when (Translate(e, cancellationToken) is { } failure)
        {
            throw failure;
        }

        foreach (var message in response.Messages)
        {
            ThrowOnMalformedToolCall(message.Contents);
        }

        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        AdmissionPlace.GiveBack();
        IAsyncEnumerator<ChatResponseUpdate> updates;
        try
        {
            updates = base.GetStreamingResponseAsync(messages, options, cancellationToken).GetAsyncEnumerator(cancellationToken);
        }
        catch (Exception e) when (Translate(e, cancellationToken) is { } failure)
        {
            throw failure;
        }

        await using (updates)
        {
            while (true)
            {
                // A catch cannot surround a yield, so each step is awaited inside the try and yielded outside it.
                try
                {
                    if (!await updates.MoveNextAsync())
                    {
                        yield break;
                    }
                }
                catch (Exception e) when (Translate(e, cancellationToken) is { } failure)
                {
                    throw failure;
                }

                ThrowOnMalformedToolCall(updates.Current.Contents);
                yield return updates.Current;
            }
        }
    }

    /// <summary>The <see cref="ModelCallException"/> that <paramref name="error"/> stands for; null for the caller's own cancellation.</summary>
    private ModelCallException? Translate(Exception error, CancellationToken cancellationToken)
    {
        if (error is OperationCanceledException && cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is ModelCallException known)
            {
                Log.ModelCallFailed(logger, provider, known.Failure, known.Message);
                return known;
            }
        }

        // The HTTP layer let the answer through, so the SDK could not read it.
        var failure = new ModelCallException(provider, ModelFailure.InvalidResponse,
            $"Model provider '{provider}' sent an answer that could not be read: {error.Message}", error);
        Log.ModelCallFailed(logger, provider, failure.Failure, failure.Message);
        return failure;
    }

    private void ThrowOnMalformedToolCall(IList<AIContent> contents)
    {
        foreach (var call in contents.OfType<FunctionCallContent>())
        {
            if (call.Exception is { } parseError)
            {
                var failure = new ModelCallException(provider, ModelFailure.MalformedToolCall,
                    $"Model provider '{provider}': the model called tool '{call.Name}' (call {call.CallId}) with arguments that are not a JSON object: {parseError.Message}",
                    parseError);
                Log.ModelCallFailed(logger, provider, failure.Failure, failure.Message);
                throw failure;
            }
        }
    }
}
