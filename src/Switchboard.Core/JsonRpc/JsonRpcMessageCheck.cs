using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Switchboard.JsonRpc;

/// <summary>
/// Checks that a request body (or a line of stdio input) is one well-formed JSON-RPC 2.0 message before the SDK sees
/// it, and says what is wrong in the client's terms. The SDK answers every undecodable body with the same text (naming
/// its own types), and fails with a 500 or an internal error on some valid-looking ones: strings that are not valid
/// Unicode, duplicate keys, <c>params</c> that are not an object; over stdio it drops a line that is not JSON unanswered. One pass of <see cref="Utf8JsonReader"/>: no document is built, and a well-formed message
/// costs no memory but the method's name.
/// </summary>
public static class JsonRpcMessageCheck
{
    /// <summary>How deep objects and arrays may nest (the reader's default, named for the key list's size).</summary>
    private const int MaxDepth = 64;

    /// <summary>The levels of <c>logging/setLevel</c>, as MCP spells them.</summary>
    private static readonly string[] LoggingLevels = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"];

    /// <summary>What the check found: an error to send (with the request id when it could be read), or the method.</summary>
    public readonly record struct Result(McpErrorCode? Code, string? Error, string? Method, Range Id)
    {
        /// <summary>Whether the message may go on: the check found nothing wrong.</summary>
        public bool IsValid => Code is null;
    }

    /// <summary>
    /// Checks that <paramref name="body"/> (an HTTP request body, or a line of stdio input) is one well-formed JSON-RPC
    /// 2.0 message, with the members of <c>params</c> that the SDK reads before any filter of the right kind.
    /// </summary>
    public static Result Check(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return Fail(McpErrorCode.ParseError, "the request body is empty", default);
        }

        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = MaxDepth });
        var members = new Members();
        var keys = new Keys(body, stackalloc int[MaxDepth], stackalloc Range[Keys.Listed]);
        var member = Member.None; // the top-level member whose value comes next
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
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        keys.Open(reader.CurrentDepth);
                        break;
                    case JsonTokenType.EndObject:
                        keys.Close(reader.CurrentDepth);
                        members.LeaveParams(reader.CurrentDepth);
                        break;
                    case JsonTokenType.PropertyName:
                        CheckUnicode(ref reader, "a key");
                        if (!keys.Add(in reader))
                        {
                            return Fail(McpErrorCode.InvalidRequest, $"the key '{reader.GetString()}' appears twice in one object", members.Id);
                        }

                        member = reader.CurrentDepth == 1 ? members.Name(ref reader) : members.ParamsName(ref reader);
                        continue;
                    case JsonTokenType.String:
                        CheckUnicode(ref reader, "a string");
                        break;
                }

                if (member != Member.None)
                {
                    members.Record(member, ref reader);
                    member = Member.None;
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

    /// <summary>
    /// The keys of the open objects, to find one repeated in an object without making strings of them: each key is
    /// kept as its place in the body and compared byte for byte. An object with an escaped key (whose bytes are not
    /// its text), or one that finds the list full, keeps its keys in a set of strings instead.
    /// </summary>
    private ref struct Keys(ReadOnlySpan<byte> body, Span<int> firstKey, Span<Range> listed)
    {
        /// <summary>How many keys the open objects list; a request has a few objects of a few keys each.</summary>
        public const int Listed = 32;

        private readonly ReadOnlySpan<byte> _body = body;
        private readonly Span<int> _firstKey = firstKey; // by an open object's depth: where its keys start in _listed
        private readonly Span<Range> _listed = listed; // the keys of the open objects, the innermost object's last
        private int _count;
        private HashSet<string>?[]? _sets; // by depth, for an object that keeps its keys in a set

        public readonly void Open(int depth) => _firstKey[depth] = _count;

        public void Close(int depth)
        {
            _count = _firstKey[depth];
            if (_sets is not null)
            {
                _sets[depth] = null;
            }
        }

        /// <summary>Adds the property name <paramref name="reader"/> is on; false when its object already has it.</summary>
        public bool Add(in Utf8JsonReader reader)
        {
            int depth = reader.CurrentDepth - 1; // the object's
            if (_sets?[depth] is { } strings)
            {
                return strings.Add(reader.GetString()!);
            }

            var name = reader.ValueSpan;
            var siblings = _listed[_firstKey[depth].._count];
            if (!reader.ValueIsEscaped && _count < _listed.Length)
            {
                foreach (var key in siblings)
                {
                    if (_body[key].SequenceEqual(name))
                    {
                        return false;
                    }
                }

                int start = (int)reader.TokenStartIndex + 1; // past the opening quote
                _listed[_count++] = new Range(start, start + name.Length);
                return true;
            }

            var set = new HashSet<string>(StringComparer.Ordinal);
            foreach (var key in siblings)
            {
                set.Add(Encoding.UTF8.GetString(_body[key]));
            }

            _count = _firstKey[depth];
            (_sets ??= new HashSet<string>?[_firstKey.Length])[depth] = set;
            return set.Add(reader.GetString()!);
        }
    }

    // A string token is valid JSON syntax even when it holds bytes that are not UTF-8 or an escaped lone surrogate
    // ("\ud800"); neither is a Unicode string, and either makes the SDK's header validation throw.
    private static void CheckUnicode(ref Utf8JsonReader reader, string what)
    {
        if (!reader.ValueIsEscaped)
        {
            if (!Utf8.IsValid(reader.ValueSpan))
            {
                throw new InvalidStringException($"{what} in the request body is not valid UTF-8");
            }

            return;
        }

        // Unescaping refuses a lone surrogate, and what it gives must still be UTF-8. A short string is unescaped on the
        // stack (never longer than its token), a long one as a string the GC reclaims, not into a pooled array the
        // shared pool would keep (issue 17).
        bool valid;
        try
        {
            Span<byte> text = stackalloc byte[256];
            valid = reader.ValueSpan.Length <= text.Length ? Utf8.IsValid(text[..reader.CopyString(text)]) : reader.GetString() is not null;
        }
        catch (InvalidOperationException)
        {
            valid = false;
        }

        if (!valid)
        {
            throw new InvalidStringException($"{what} in the request body is not valid Unicode (an unpaired surrogate or invalid UTF-8)");
        }
    }

    /// <summary>
    /// Why the params of a request <see cref="Check"/> passed are not what the SDK reads for its method, or null: for
    /// the methods whose params it reads whole into its own types, where a mismatch is an internal error (-32603) with
    /// a stack trace in the log, or, for <c>initialize</c> over HTTP, a 500. <paramref name="sessionless"/> says the
    /// request is of a revision without <c>initialize</c> and <c>logging/setLevel</c> (2026-07-28), which the SDK
    /// refuses as methods whatever their params.
    /// </summary>
    public static string? ParamsProblem(string? method, ReadOnlySpan<byte> message, bool sessionless) => method switch
    {
        RequestMethods.Initialize when !sessionless => InitializeProblem(Params(message)),
        RequestMethods.LoggingSetLevel when !sessionless => LevelProblem(Params(message)),
        RequestMethods.CompletionComplete => CompleteProblem(Params(message)),
        _ => null,
    };

    /// <summary>The text of an error with <paramref name="code"/> for <paramref name="problem"/>, as JSON-RPC names the code.</summary>
    public static string ErrorMessage(McpErrorCode code, string problem)
    {
        string prefix = code switch
        {
            McpErrorCode.ParseError => "Parse error",
            McpErrorCode.InvalidParams => "Invalid params",
            McpErrorCode.HeaderMismatch => "Header mismatch",
            _ => "Invalid request",
        };
        return $"{prefix}: {problem}.";
    }

    // The message's params, when they are an object (Check has passed it: it is one valid JSON object).
    private static JsonElement? Params(ReadOnlySpan<byte> message)
    {
        var reader = new Utf8JsonReader(message);
        using var document = JsonDocument.ParseValue(ref reader);
        return document.RootElement.TryGetProperty("params", out var parameters) && parameters.ValueKind == JsonValueKind.Object
            ? parameters.Clone()
            : null;
    }

    // The SDK reads these while it creates the session, where a failure is a 500, not an error for the client.
    private static string? InitializeProblem(JsonElement? parameters)
    {
        const string Needs = "initialize needs params with protocolVersion, capabilities and clientInfo (name and version)";
        if (parameters is not { } given)
        {
            return "initialize needs params with protocolVersion, capabilities and clientInfo";
        }

        try
        {
            var typed = given.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<InitializeRequestParams>());
            return typed is { ProtocolVersion: not null, Capabilities: not null, ClientInfo: { Name: not null, Version: not null } } ? null : Needs;
        }
        catch (JsonException e)
        {
            // A member of the wrong type has a path; missing members leave it at the root.
            return e.Path is { Length: > 1 } path ? $"initialize params do not match the MCP schema at {path}" : Needs;
        }
    }

    // MCP's levels are these strings; the SDK also takes numbers (its enum's values) and answers other strings, or none,
    // as an internal error.
    private static string? LevelProblem(JsonElement? parameters) =>
        parameters is { } given && given.TryGetProperty("level", out var level) && level.ValueKind == JsonValueKind.String
            && LoggingLevels.Contains(level.GetString())
            ? null
            : $"logging/setLevel params need a \"level\" that is one of {string.Join(", ", LoggingLevels)}";

    private static string? CompleteProblem(JsonElement? parameters)
    {
        const string Needs = "completion/complete params need a \"ref\" ({\"type\": \"ref/prompt\", \"name\"} or {\"type\": \"ref/resource\", \"uri\"}) and an \"argument\" ({\"name\", \"value\"}), all strings";
        if (parameters is not { } given)
        {
            return Needs;
        }

        try
        {
            given.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<CompleteRequestParams>());
            return null;
        }
        catch (JsonException e)
        {
            return e.Path is { Length: > 1 } path ? $"{Needs}; the value at {path} does not fit" : Needs;
        }
    }

    private static Result Fail(McpErrorCode code, string error, Range id) => new(code, error, null, id);

    private sealed class InvalidStringException(string message) : Exception(message);

    /// <summary>The members of a JSON-RPC 2.0 message, and any other.</summary>
    private enum Member
    {
        None,
        Version,
        Id,
        Method,
        Params,
        Result,
        Error,
        Other,
        ParamsName,
        ParamsUri,
        ParamsArguments,
        ParamsCursor,
        ParamsTaskId,
    }

    /// <summary>The top-level members that make a JSON-RPC message what it is (JSON-RPC 2.0 §4, §5).</summary>
    private struct Members
    {
        private bool _hasVersion;
        private bool _isVersion2;
        private bool _hasMethod;
        private JsonTokenType? _id;
        private JsonTokenType? _params;
        private JsonTokenType? _error;
        private bool _hasResult;
        private bool _inParams;
        private JsonTokenType? _paramsName;
        private JsonTokenType? _paramsUri;
        private JsonTokenType? _paramsArguments;
        private JsonTokenType? _paramsCursor;
        private JsonTokenType? _paramsTaskId;

        public string? Method { get; private set; }

        /// <summary>The first member JSON-RPC 2.0 does not define, if any.</summary>
        public string? Unknown { get; private set; }

        /// <summary>Where the raw id token lies in the body, when it is a string or a number.</summary>
        public Range Id { get; private set; }

        /// <summary>Which member the property name <paramref name="reader"/> is on names.</summary>
        public Member Name(ref Utf8JsonReader reader)
        {
            var member = reader.ValueTextEquals("jsonrpc"u8) ? Member.Version
                : reader.ValueTextEquals("id"u8) ? Member.Id
                : reader.ValueTextEquals("method"u8) ? Member.Method
                : reader.ValueTextEquals("params"u8) ? Member.Params
                : reader.ValueTextEquals("result"u8) ? Member.Result
                : reader.ValueTextEquals("error"u8) ? Member.Error
                : Member.Other;

            // The SDK's HTTP transport refuses any other member (with a message naming its types).
            if (member == Member.Other)
            {
                Unknown ??= reader.GetString();
            }

            return member;
        }

        /// <summary>
        /// Which member of <c>params</c> that the SDK reads as a given kind the property name <paramref name="reader"/>
        /// is on names (<c>name</c>, <c>uri</c>, <c>arguments</c>, <c>cursor</c>, <c>taskId</c>), if it is one of <c>params</c>' own;
        /// otherwise none.
        /// </summary>
        public readonly Member ParamsName(ref Utf8JsonReader reader) =>
            !_inParams || reader.CurrentDepth != 2 ? Member.None
            : reader.ValueTextEquals("name"u8) ? Member.ParamsName
            : reader.ValueTextEquals("uri"u8) ? Member.ParamsUri
            : reader.ValueTextEquals("arguments"u8) ? Member.ParamsArguments
            : reader.ValueTextEquals("cursor"u8) ? Member.ParamsCursor
            : reader.ValueTextEquals("taskId"u8) ? Member.ParamsTaskId
            : Member.None;

        /// <summary>Notes the end of an object at <paramref name="depth"/>: at 1, <c>params</c> (or another member) ends.</summary>
        public void LeaveParams(int depth)
        {
            if (depth == 1)
            {
                _inParams = false;
            }
        }

        /// <summary>Records the value of <paramref name="member"/>, which <paramref name="reader"/> is on.</summary>
        public void Record(Member member, ref Utf8JsonReader reader)
        {
            bool isString = reader.TokenType == JsonTokenType.String;
            switch (member)
            {
                case Member.Version:
                    (_hasVersion, _isVersion2) = (true, isString && reader.ValueTextEquals("2.0"u8));
                    break;
                case Member.Method:
                    (_hasMethod, Method) = (true, isString ? reader.GetString() : null);
                    break;
                case Member.Id:
                    // MCP ids are strings or integers (the SDK reads numbers as 64-bit integers only).
                    _id = reader.TokenType == JsonTokenType.Number && !reader.TryGetInt64(out _) ? JsonTokenType.None : reader.TokenType;
                    if (_id is JsonTokenType.String or JsonTokenType.Number)
                    {
                        Id = new Range((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
                    }

                    break;
                case Member.Params:
                    _params = reader.TokenType;
                    _inParams = reader.TokenType == JsonTokenType.StartObject;
                    break;
                case Member.ParamsName:
                    _paramsName = reader.TokenType;
                    break;
                case Member.ParamsUri:
                    _paramsUri = reader.TokenType;
                    break;
                case Member.ParamsArguments:
                    _paramsArguments = reader.TokenType;
                    break;
                case Member.ParamsCursor:
                    _paramsCursor = reader.TokenType;
                    break;
                case Member.ParamsTaskId:
                    _paramsTaskId = reader.TokenType;
                    break;
                case Member.Result:
                    _hasResult = true;
                    break;
                case Member.Error:
                    _error = reader.TokenType;
                    break;
            }
        }

        public readonly Result Validate()
        {
            string? problem =
                !_hasVersion ? "it has no \"jsonrpc\": \"2.0\" member"
                : !_isVersion2 ? "its \"jsonrpc\" member must be the string \"2.0\""
                : _id == JsonTokenType.Null ? "its \"id\" is null; MCP requests need a string or number id"
                : _id is not (null or JsonTokenType.String or JsonTokenType.Number) ? "its \"id\" must be a string or an integer"
                : Unknown is not null ? $"'{Unknown}' is not a member of a JSON-RPC message (jsonrpc, id, method, params, result, error)"
                : _hasMethod ? CallProblem()
                : _id is null ? "it has no \"method\" (a request or notification) and no \"id\" (a response)"
                : _hasResult == _error.HasValue ? "a response has exactly one of \"result\" and \"error\""
                : _error is not (null or JsonTokenType.StartObject) ? "its \"error\" must be an object"
                : null;

            return problem is not null ? Fail(McpErrorCode.InvalidRequest, $"the body is not a valid JSON-RPC 2.0 message: {problem}", Id)
                : ParamsProblem() is { } invalid ? Fail(McpErrorCode.InvalidParams, invalid, Id)
                : new Result(null, null, Method, Id);
        }

        // The member a request is routed by, which the SDK reads as a string to compare with Mcp-Name (2026-07-28),
        // and throws on when it is anything else: a 500, or (missing) an internal error, with its stack trace. And
        // arguments, which the SDK reads as an object before any filter runs, and the cursor of a list, which it reads
        // as a string: anything else (but null) it answers as an internal error (-32603), with a Warning and its stack
        // trace.
        private readonly string? ParamsProblem()
        {
            var (member, kind) = Method switch
            {
                RequestMethods.ToolsCall or RequestMethods.PromptsGet => ("name", _paramsName),
                RequestMethods.ResourcesRead => ("uri", _paramsUri),
                // The tasks extension's requests are routed by the task's id (Mcp-Name), read as a string.
                "tasks/get" or "tasks/update" or "tasks/cancel" => ("taskId", _paramsTaskId),
                _ => (null, null),
            };
            return member is not null && kind is (null or JsonTokenType.Null) ? $"{Method} params need a \"{member}\" string"
                : kind is not (null or JsonTokenType.String) ? $"the \"{member}\" of {Method} params must be a string"
                : Method is RequestMethods.ToolsCall or RequestMethods.PromptsGet && _paramsArguments is not (null or JsonTokenType.StartObject or JsonTokenType.Null)
                    ? $"the \"arguments\" of {Method} params must be an object"
                : Method is RequestMethods.ToolsList or RequestMethods.PromptsList or RequestMethods.ResourcesList or RequestMethods.ResourcesTemplatesList
                    && _paramsCursor is not (null or JsonTokenType.String or JsonTokenType.Null)
                    ? $"the \"cursor\" of {Method} params must be a string (the nextCursor of the page before)"
                : null;
        }

        private readonly string? CallProblem() =>
            string.IsNullOrEmpty(Method) ? "its \"method\" must be a non-empty string"
            : _hasResult || _error.HasValue ? "a request or notification carries no \"result\" or \"error\""
            : _params is not (null or JsonTokenType.StartObject or JsonTokenType.Null) ? "its \"params\" must be an object"
            : null;
    }
}
