using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Switchboard.Gateway.Http;

/// <summary>
/// Checks that a request body is one well-formed JSON-RPC 2.0 message before the SDK sees it, and says what is wrong
/// in the client's terms. The SDK answers every undecodable body with the same text (naming its own types), and
/// fails with a 500 on some valid-looking ones: strings that are not valid Unicode, duplicate keys, <c>params</c>
/// that are not an object. One pass of <see cref="Utf8JsonReader"/>, no document is built.
/// </summary>
internal static class JsonRpcMessageCheck
{
    /// <summary>What the check found: an error to send (with the request id when it could be read), or the method.</summary>
    public readonly record struct Result(McpErrorCode? Code, string? Error, string? Method, Range Id)
    {
        public bool IsValid => Code is null;
    }

    public static Result Check(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return Fail(McpErrorCode.ParseError, "the request body is empty", default);
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        var members = new Members();
        var keys = new List<Keys>(); // one per open object
        string? member = null; // the top-level key whose value comes next
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return Fail(McpErrorCode.InvalidRequest, reader.TokenType == JsonTokenType.StartArray
                    ? "the body is a JSON array; JSON-RPC batches are not supported, send one message per request"
                    : "the body is JSON but not a JSON-RPC message (an object)", default);
            }

            do
            {
                string? text = null;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        keys.Add(default);
                        break;
                    case JsonTokenType.EndObject:
                        keys.RemoveAt(keys.Count - 1);
                        break;
                    case JsonTokenType.PropertyName:
                        string name = ReadString(ref reader, "a key");
                        if (!CollectionsMarshal.AsSpan(keys)[^1].Add(name))
                        {
                            return Fail(McpErrorCode.InvalidRequest, $"the key '{name}' appears twice in one object", members.Id);
                        }

                        member = reader.CurrentDepth == 1 ? name : null;
                        continue;
                    case JsonTokenType.String:
                        text = ReadString(ref reader, "a string");
                        break;
                }

                if (member is not null)
                {
                    members.Record(member, ref reader, text);
                    member = null;
                }
            }
            while (reader.Read());
        }
        catch (JsonException e)
        {
            return Fail(McpErrorCode.ParseError, $"the request body is not valid JSON ({e.Message})", default);
        }
        catch (InvalidStringException e)
        {
            return Fail(McpErrorCode.ParseError, e.Message, default);
        }

        return members.Validate();
    }

    /// <summary>The keys of one object; most have one or two, so a set is made only when a second arrives.</summary>
    private struct Keys
    {
        private string? _first;
        private HashSet<string>? _all;

        /// <summary>Adds <paramref name="name"/>; false when the object already has it.</summary>
        public bool Add(string name)
        {
            if (_first is null)
            {
                _first = name;
                return true;
            }

            _all ??= new HashSet<string>(StringComparer.Ordinal) { _first };
            return _all.Add(name);
        }
    }

    // A string token is valid JSON syntax even when it holds bytes that are not UTF-8 or an escaped lone surrogate
    // ("\ud800"); neither is a Unicode string, and either makes the SDK's header validation throw.
    private static string ReadString(ref Utf8JsonReader reader, string what)
    {
        if (!reader.ValueIsEscaped && !Utf8.IsValid(reader.ValueSpan))
        {
            throw new InvalidStringException($"{what} in the request body is not valid UTF-8");
        }

        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            throw new InvalidStringException($"{what} in the request body is not valid Unicode (an unpaired surrogate or invalid UTF-8)");
        }
    }

    /// <summary>
    /// Why an <c>initialize</c> request's params are not what the SDK's <see cref="InitializeRequestParams"/> needs,
    /// or null. The SDK reads them while it creates the session, where a failure is a 500, not an error for the client.
    /// </summary>
    public static string? InitializeProblem(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using var message = JsonDocument.ParseValue(ref reader);
        if (!message.RootElement.TryGetProperty("params", out var parameters) || parameters.ValueKind != JsonValueKind.Object)
        {
            return "initialize needs params with protocolVersion, capabilities and clientInfo";
        }

        try
        {
            var typed = parameters.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<InitializeRequestParams>());
            return typed is { ProtocolVersion: not null, Capabilities: not null, ClientInfo: { Name: not null, Version: not null } }
                ? null
                : "initialize needs params with protocolVersion, capabilities and clientInfo (name and version)";
        }
        catch (JsonException e)
        {
            // A member of the wrong type has a path; missing members leave it at the root.
            return e.Path is { Length: > 1 } path
                ? $"initialize params do not match the MCP schema at {path}"
                : "initialize needs params with protocolVersion, capabilities and clientInfo (name and version)";
        }
    }

    private static Result Fail(McpErrorCode code, string error, Range id) => new(code, error, null, id);

    private sealed class InvalidStringException(string message) : Exception(message);

    /// <summary>The top-level members that make a JSON-RPC message what it is (JSON-RPC 2.0 §4, §5).</summary>
    private struct Members
    {
        private string? _version;
        private bool _hasVersion;
        private bool _hasMethod;
        private JsonTokenType? _id;
        private JsonTokenType? _params;
        private JsonTokenType? _error;
        private bool _hasResult;

        public string? Method { get; private set; }

        /// <summary>The first member JSON-RPC 2.0 does not define, if any.</summary>
        public string? Unknown { get; private set; }

        /// <summary>Where the raw id token lies in the body, when it is a string or a number.</summary>
        public Range Id { get; private set; }

        public void Record(string name, ref Utf8JsonReader reader, string? text)
        {
            switch (name)
            {
                case "jsonrpc":
                    (_hasVersion, _version) = (true, text);
                    break;
                case "method":
                    (_hasMethod, Method) = (true, text);
                    break;
                case "id":
                    // MCP ids are strings or integers (the SDK reads numbers as 64-bit integers only).
                    _id = reader.TokenType == JsonTokenType.Number && !reader.TryGetInt64(out _) ? JsonTokenType.None : reader.TokenType;
                    if (_id is JsonTokenType.String or JsonTokenType.Number)
                    {
                        Id = new Range((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
                    }

                    break;
                case "params":
                    _params = reader.TokenType;
                    break;
                case "result":
                    _hasResult = true;
                    break;
                case "error":
                    _error = reader.TokenType;
                    break;
                default:
                    // The SDK's HTTP transport refuses any other member (with a message naming its types).
                    Unknown ??= name;
                    break;
            }
        }

        public readonly Result Validate()
        {
            string? problem =
                !_hasVersion ? "it has no \"jsonrpc\": \"2.0\" member"
                : _version != "2.0" ? "its \"jsonrpc\" member must be the string \"2.0\""
                : _id == JsonTokenType.Null ? "its \"id\" is null; MCP requests need a string or number id"
                : _id is not (null or JsonTokenType.String or JsonTokenType.Number) ? "its \"id\" must be a string or an integer"
                : Unknown is not null ? $"'{Unknown}' is not a member of a JSON-RPC message (jsonrpc, id, method, params, result, error)"
                : _hasMethod ? CallProblem()
                : _id is null ? "it has no \"method\" (a request or notification) and no \"id\" (a response)"
                : _hasResult == _error.HasValue ? "a response has exactly one of \"result\" and \"error\""
                : _error is not (null or JsonTokenType.StartObject) ? "its \"error\" must be an object"
                : null;

            return problem is null
                ? new Result(null, null, Method, Id)
                : Fail(McpErrorCode.InvalidRequest, $"the body is not a valid JSON-RPC 2.0 message: {problem}", Id);
        }

        private readonly string? CallProblem() =>
            string.IsNullOrEmpty(Method) ? "its \"method\" must be a non-empty string"
            : _hasResult || _error.HasValue ? "a request or notification carries no \"result\" or \"error\""
            : _params is not (null or JsonTokenType.StartObject or JsonTokenType.Null) ? "its \"params\" must be an object"
            : null;
    }
}
