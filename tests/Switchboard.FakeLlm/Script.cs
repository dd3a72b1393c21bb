using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Switchboard.FakeLlm;

/// <summary>The turns the fake plays, one per model request, in order, whichever protocol asks.</summary>
public sealed record Script(IReadOnlyList<Turn> Turns)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}

/// <summary>
/// One model turn: text and/or tool calls; or a fault: an HTTP <see cref="Status"/> (with <see cref="RetryAfterSeconds"/>
/// for a 429); <see cref="DelayMs"/> first, to make a client time out.
/// </summary>
public sealed record Turn
{
    public string? Text { get; init; }

    public IReadOnlyList<ToolCall>? ToolCalls { get; init; }

    public int? Status { get; init; }

    public double? RetryAfterSeconds { get; init; }

    public int DelayMs { get; init; }

    public Usage? Usage { get; init; }
}

/// <summary>A tool call: <see cref="Arguments"/> as a JSON object, or <see cref="RawArguments"/> sent verbatim (malformed on purpose).</summary>
public sealed record ToolCall(string Name, JsonObject? Arguments = null, string? RawArguments = null, string? Id = null)
{
    public string ArgumentsText => RawArguments ?? (Arguments ?? []).ToJsonString();
}

/// <summary>Tokens reported for a turn.</summary>
public sealed record Usage(int Input, int Output);

/// <summary>A request the fake received, for tests to assert on.</summary>
public sealed record RecordedRequest(string Protocol, string Path, string? ApiKey, IReadOnlyList<string> Headers, JsonNode? Body);

/// <summary>The script being played and the requests seen, shared by the endpoints.</summary>
public sealed class ScriptState
{
    private readonly Lock _gate = new();
    private readonly Queue<Turn> _turns = new();
    private readonly List<RecordedRequest> _requests = [];
    private int _calls;

    /// <summary>Replaces the script and forgets the requests seen.</summary>
    public void Load(Script script)
    {
        lock (_gate)
        {
            _turns.Clear();
            foreach (var turn in script.Turns)
            {
                _turns.Enqueue(turn);
            }

            _requests.Clear();
        }
    }

    /// <summary>Records <paramref name="request"/> and takes the next turn: null when the script is spent.</summary>
    public (Turn? Turn, int Number) Next(RecordedRequest request)
    {
        lock (_gate)
        {
            _requests.Add(request);
            _calls++;
            return (_turns.TryDequeue(out var turn) ? turn : null, _calls);
        }
    }

    public IReadOnlyList<RecordedRequest> Requests()
    {
        lock (_gate)
        {
            return [.. _requests];
        }
    }
}
