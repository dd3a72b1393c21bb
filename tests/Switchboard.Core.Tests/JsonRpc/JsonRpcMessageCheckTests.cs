using System.Text;
using ModelContextProtocol;
using Switchboard.JsonRpc;

namespace Switchboard.Core.Tests.JsonRpc;

/// <summary>
/// Every verdict of <see cref="JsonRpcMessageCheck.Check"/> to the letter: the error code and text the client reads,
/// the id echoed back, and the method a valid message names. The texts are the client's contract, so each refusal
/// branch is pinned here, not only its code.
/// </summary>
public sealed class JsonRpcMessageCheckTests
{
    private const string NotJsonRpc = "the body is not a valid JSON-RPC 2.0 message: ";

    [Theory]
    // Valid messages: the method, and the id token as it lies in the body.
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"x":[1,{"y":2}]}}}""", null, null, "tools/call", "1")]
    [InlineData("""{"jsonrpc":"2.0","id":"abc-1","method":"tools/list"}""", null, null, "tools/list", "\"abc-1\"")]
    [InlineData("""{"jsonrpc":"2.0","id":-9223372036854775808,"method":"ping","params":null}""", null, null, "ping", "-9223372036854775808")]
    [InlineData("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", null, null, "notifications/initialized", null)]
    [InlineData("""{"jsonrpc":"2.0","id":3,"result":{}}""", null, null, null, "3")]
    [InlineData("""{"jsonrpc":"2.0","id":"r","error":{"code":1,"message":"m"}}""", null, null, null, "\"r\"")]
    [InlineData(""" { "method" : "ping" , "id" : 2 , "jsonrpc" : "2.0" } """, null, null, "ping", "2")]
    // Escaped names and values mean what they spell.
    [InlineData("""{"jsonrpc":"2\u002e0","id":1,"\u006dethod":"tools\/call","params":{"n\u0061me":"a"}}""", null, null, "tools/call", "1")]
    [InlineData("""{"jsonrpc":"2.0","id":"a\"b","method":"\u00e9t\u00e9"}""", null, null, "\u00e9t\u00e9", "\"a\\\"b\"")]
    // The same key in different objects, nested or side by side, is no duplicate.
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"m","params":{"id":{"id":1},"a":[{"a":1},{"a":2}],"b":{"c":1},"c":2}}""", null, null, "m", "1")]
    // Not JSON.
    [InlineData("", McpErrorCode.ParseError, "the request body is empty", null, null)]
    [InlineData("hello", McpErrorCode.ParseError, "the request body is not valid JSON ('h' is an invalid start of a value. LineNumber: 0 | BytePositionInLine: 0.)", null, null)]
    [InlineData("""{"jsonrpc":"2.0",""", McpErrorCode.ParseError, "the request body is not valid JSON (Expected start of a property name or value, but instead reached end of data. LineNumber: 0 | BytePositionInLine: 16.)", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"ping"}x""", McpErrorCode.ParseError, "the request body is not valid JSON ('x' is invalid after a single JSON value. Expected end of data. LineNumber: 0 | BytePositionInLine: 40.)", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"ping"/*c*/}""", McpErrorCode.ParseError, "the request body is not valid JSON ('/' is invalid after a value. Expected either ',', '}', or ']'. LineNumber: 0 | BytePositionInLine: 39.)", null, null)]
    // JSON, but not one message.
    [InlineData("""[{"jsonrpc":"2.0","id":7,"method":"ping"}]""", McpErrorCode.InvalidRequest, "the body is a JSON array; JSON-RPC batches are not supported, send one message per request", null, null)]
    [InlineData("\"ping\"", McpErrorCode.InvalidRequest, "the body is JSON but not a JSON-RPC message (an object)", null, null)]
    [InlineData("7", McpErrorCode.InvalidRequest, "the body is JSON but not a JSON-RPC message (an object)", null, null)]
    // Duplicate keys, at any depth, however spelled; the id is echoed when it came before.
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","method":"ping"}""", McpErrorCode.InvalidRequest, "the key 'method' appears twice in one object", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","method":"ping","method":"ping","id":1}""", McpErrorCode.InvalidRequest, "the key 'method' appears twice in one object", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"a","name":"b"}}""", McpErrorCode.InvalidRequest, "the key 'name' appears twice in one object", null, "\"x\"")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"a":1,"\u0061":2}}}""", McpErrorCode.InvalidRequest, "the key 'a' appears twice in one object", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"m","params":{"\u00e9":1,"é":2}}""", McpErrorCode.InvalidRequest, "the key 'é' appears twice in one object", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"m","params":{"a":{"b":1},"c":[{"d":1}],"a":2}}""", McpErrorCode.InvalidRequest, "the key 'a' appears twice in one object", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"m","params":{"":1,"":2}}""", McpErrorCode.InvalidRequest, "the key '' appears twice in one object", null, "1")]
    // Strings that are not Unicode.
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\ud800"}}""", McpErrorCode.ParseError, "a string in the request body is not valid Unicode (an unpaired surrogate or invalid UTF-8)", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"\udc00":1}}""", McpErrorCode.ParseError, "a key in the request body is not valid Unicode (an unpaired surrogate or invalid UTF-8)", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":"\ud800\u0041"}}""", McpErrorCode.ParseError, "a string in the request body is not valid Unicode (an unpaired surrogate or invalid UTF-8)", null, null)]
    // Members JSON-RPC 2.0 needs, and their types.
    [InlineData("""{"id":1,"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "it has no \"jsonrpc\": \"2.0\" member", null, "1")]
    [InlineData("""{"jsonrpc":"1.0","id":1,"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"jsonrpc\" member must be the string \"2.0\"", null, "1")]
    [InlineData("""{"jsonrpc":2.0,"id":1,"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"jsonrpc\" member must be the string \"2.0\"", null, "1")]
    [InlineData("""{"jsonrpc":"2.0 ","id":1,"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"jsonrpc\" member must be the string \"2.0\"", null, "1")]
    [InlineData("""{"jsonrpc":null,"id":1,"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"jsonrpc\" member must be the string \"2.0\"", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":null,"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"id\" is null; MCP requests need a string or number id", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":{},"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"id\" must be a string or an integer", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":[1],"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"id\" must be a string or an integer", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":true,"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"id\" must be a string or an integer", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":1.5,"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"id\" must be a string or an integer", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":9223372036854775808,"method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"id\" must be a string or an integer", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","extra":1,"more":2}""", McpErrorCode.InvalidRequest, NotJsonRpc + "'extra' is not a member of a JSON-RPC message (jsonrpc, id, method, params, result, error)", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"Method":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "'Method' is not a member of a JSON-RPC message (jsonrpc, id, method, params, result, error)", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"\u00e9":"ping"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "'\u00e9' is not a member of a JSON-RPC message (jsonrpc, id, method, params, result, error)", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":7}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"method\" must be a non-empty string", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":""}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"method\" must be a non-empty string", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":null}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"method\" must be a non-empty string", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}""", McpErrorCode.InvalidRequest, NotJsonRpc + "a request or notification carries no \"result\" or \"error\"", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","method":"ping","error":null}""", McpErrorCode.InvalidRequest, NotJsonRpc + "a request or notification carries no \"result\" or \"error\"", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":"x"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"params\" must be an object", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":[]}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"params\" must be an object", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":5}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"params\" must be an object", null, "1")]
    [InlineData("""{"jsonrpc":"2.0"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "it has no \"method\" (a request or notification) and no \"id\" (a response)", null, null)]
    [InlineData("""{"jsonrpc":"2.0","result":{}}""", McpErrorCode.InvalidRequest, NotJsonRpc + "it has no \"method\" (a request or notification) and no \"id\" (a response)", null, null)]
    [InlineData("""{"jsonrpc":"2.0","id":1}""", McpErrorCode.InvalidRequest, NotJsonRpc + "a response has exactly one of \"result\" and \"error\"", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"m"}}""", McpErrorCode.InvalidRequest, NotJsonRpc + "a response has exactly one of \"result\" and \"error\"", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":"boom"}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"error\" must be an object", null, "1")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"error":null}""", McpErrorCode.InvalidRequest, NotJsonRpc + "its \"error\" must be an object", null, "1")]
    public void Check_GivesTheVerdict(string body, McpErrorCode? code, string? error, string? method, string? id) =>
        AssertVerdict(Encoding.UTF8.GetBytes(body), code, error, method, id);

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"#"}}""", "a string in the request body is not valid UTF-8")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"#":1}}""", "a key in the request body is not valid UTF-8")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\u0041#"}}""", "a string in the request body is not valid Unicode (an unpaired surrogate or invalid UTF-8)")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"\u0041#":1}}""", "a key in the request body is not valid Unicode (an unpaired surrogate or invalid UTF-8)")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"#":1}""", "a key in the request body is not valid UTF-8")]
    public void InvalidUtf8_IsAParseError(string template, string error)
    {
        // '#' stands for the bytes C3 28: a lead byte without its continuation.
        int at = template.IndexOf('#', StringComparison.Ordinal);
        byte[] body = [.. Encoding.UTF8.GetBytes(template[..at]), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(template[(at + 1)..])];

        AssertVerdict(body, McpErrorCode.ParseError, error, null, null);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(300)]
    [InlineData(5000)]
    public void EscapedStrings_OfAnyLength_AreChecked(int length)
    {
        string pad = new('x', length);
        byte[] Message(string value) => Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"m\",\"params\":{\"v\":\"" + pad + value + "\"}}");
        const string Unicode = "a string in the request body is not valid Unicode (an unpaired surrogate or invalid UTF-8)";

        AssertVerdict(Message("\\u00e9\\ud83d\\ude00\\n"), null, null, "m", "1");
        AssertVerdict(Message("\\ud800"), McpErrorCode.ParseError, Unicode, null, null);
        AssertVerdict(Message("\\ude00\\ud83d"), McpErrorCode.ParseError, Unicode, null, null);
        byte[] rawInvalid = Message("\\n#");
        rawInvalid[Array.IndexOf(rawInvalid, (byte)'#')] = 0xC3;
        AssertVerdict(rawInvalid, McpErrorCode.ParseError, Unicode, null, null);
    }

    // The SDK reads these members as strings to compare them with Mcp-Name, and throws (a 500) on any other kind.
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":5}}""", "tools/call", "name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":{},"n\u0061me":true}}""", "tools/call", "name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"params":{"name":{"a":"b"}},"method":"prompts/get"}""", "prompts/get", "name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":["x"]}}""", "resources/read", "uri")]
    public void RoutingMemberThatIsNotAString_IsInvalidParams(string body, string method, string member) =>
        AssertVerdict(Encoding.UTF8.GetBytes(body), McpErrorCode.InvalidParams, $"the \"{member}\" of {method} params must be a string", null, "1");

    // Without the member the SDK answers an internal error (-32603, "An error occurred.") and logs its stack trace.
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{}}""", "tools/call", "name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call"}""", "tools/call", "name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":null,"uri":5}}""", "tools/call", "name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"arguments":{}}}""", "prompts/get", "name")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/read","params":null}""", "resources/read", "uri")]
    public void MissingRoutingMember_IsInvalidParams(string body, string method, string member) =>
        AssertVerdict(Encoding.UTF8.GetBytes(body), McpErrorCode.InvalidParams, $"{method} params need a \"{member}\" string", null, "1");

    // The SDK reads arguments as an object before any filter runs, and answers anything else as an internal error
    // (-32603), with a Warning and its stack trace in the log.
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":5}}""", "tools/call")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"arguments":"x","name":"a"}}""", "tools/call")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"prompts/get","params":{"name":"a","arguments":[]}}""", "prompts/get")]
    public void ArgumentsThatAreNotAnObject_AreInvalidParams(string body, string method) =>
        AssertVerdict(Encoding.UTF8.GetBytes(body), McpErrorCode.InvalidParams, $"the \"arguments\" of {method} params must be an object", null, "1");

    // The SDK reads a list's cursor as a string, and answers anything else as an internal error (-32603).
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":5}}""", "tools/list")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"prompts/list","params":{"cursor":{}}}""", "prompts/list")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/list","params":{"cursor":true}}""", "resources/list")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/templates/list","params":{"c\u0075rsor":["x"]}}""", "resources/templates/list")]
    public void ACursorThatIsNotAString_IsInvalidParams(string body, string method) =>
        AssertVerdict(Encoding.UTF8.GetBytes(body), McpErrorCode.InvalidParams, $"the \"cursor\" of {method} params must be a string (the nextCursor of the page before)", null, "1");

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"cursor":"abc"}}""", "tools/list")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"prompts/list","params":{"cursor":null}}""", "prompts/list")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/list","params":{}}""", "resources/list")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","cursor":5}}""", "tools/call")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"cursor":5}}}""", "tools/list")]
    public void AStringCursor_OrACursorElsewhere_IsNotChecked(string body, string method) =>
        AssertVerdict(Encoding.UTF8.GetBytes(body), null, null, method, "1");

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":{"name":5,"uri":5}}}""", "tools/call")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"file:///x","name":5}}""", "resources/read")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"name":5}}""", "tools/list")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a","arguments":null}}""", "tools/call")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"a","arguments":5}}""", "resources/read")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"result":{"name":5}}""", null)]
    public void OtherMembersAndMethods_AreNotChecked(string body, string? method) =>
        AssertVerdict(Encoding.UTF8.GetBytes(body), null, null, method, "1");

    [Fact]
    public void NestingPastTheReadersLimit_IsAParseError()
    {
        string body = """{"jsonrpc":"2.0","id":1,"method":"m","params":""" + string.Concat(Enumerable.Repeat("""{"a":""", 64)) + "1" + new string('}', 65);

        AssertVerdict(
            Encoding.UTF8.GetBytes(body),
            McpErrorCode.ParseError,
            "the request body is not valid JSON (The maximum configured depth of 64 has been exceeded. Cannot read next JSON object. LineNumber: 0 | BytePositionInLine: 361.)",
            null,
            null);
    }

    [Fact]
    public void KeysAtTheDeepestNesting_AreChecked()
    {
        // The innermost object lies at depth 63, the deepest the reader takes (64 nested levels in all).
        static byte[] Nested(string innermost) => Encoding.UTF8.GetBytes(
            """{"jsonrpc":"2.0","id":1,"method":"m","params":""" + string.Concat(Enumerable.Repeat("""{"a":[""", 31)) + innermost
            + string.Concat(Enumerable.Repeat("]}", 31)) + "}");

        AssertVerdict(Nested("""{"a":1,"b":2}"""), null, null, "m", "1");
        AssertVerdict(Nested("""{"a":1,"a":2}"""), McpErrorCode.InvalidRequest, "the key 'a' appears twice in one object", null, "1");
    }

    [Fact]
    public void KeysOfAClosedObject_AreNotTheNextObjects()
    {
        string many = "{" + string.Join(",", Enumerable.Range(0, 40).Select(i => $"\"k{i}\":{i}")) + "}";

        // A large object between the repeated keys of its parent, and beside objects with some of its keys.
        AssertVerdict(Message("""{"a":1,"x":""" + many + ""","y":{"k0":1,"k39":2},"z":[""" + many + "," + many + """],"b":2}"""), null, null, "m", "1");
        AssertVerdict(Message("""{"a":1,"x":""" + many + ""","a":2}"""), McpErrorCode.InvalidRequest, "the key 'a' appears twice in one object", null, "1");
        AssertVerdict(Message("""{"a":1,"\u0062":{"b":{"a":1}},"c":{"b":1,"c":2},"b":2}"""), McpErrorCode.InvalidRequest, "the key 'b' appears twice in one object", null, "1");

        static byte[] Message(string parameters) => Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":1,"method":"m","params":""" + parameters + "}");
    }

    [Theory]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(40)]
    [InlineData(1000)]
    public void ManyKeysInOneObject_AreAllDistinct(int count)
    {
        AssertVerdict(Encoding.UTF8.GetBytes(WithKeys(count, duplicateOf: null, escaped: false)), null, null, "m", "1");
        AssertVerdict(Encoding.UTF8.GetBytes(WithKeys(count, duplicateOf: null, escaped: true)), null, null, "m", "1");
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(16, 15)]
    [InlineData(17, 0)]
    [InlineData(17, 16)]
    [InlineData(40, 3)]
    [InlineData(40, 39)]
    [InlineData(1000, 500)]
    public void ARepeatedKey_AmongMany_IsFound(int count, int repeated)
    {
        foreach (bool escaped in new[] { false, true })
        {
            AssertVerdict(
                Encoding.UTF8.GetBytes(WithKeys(count, repeated, escaped)),
                McpErrorCode.InvalidRequest,
                $"the key 'k{repeated}' appears twice in one object",
                null,
                "1");
        }
    }

    // A message whose params have keys k0..k{count-1} (every other one escaped, when asked), then k{duplicateOf} again;
    // nested objects reuse the same keys, which are no duplicates of the outer ones.
    private static string WithKeys(int count, int? duplicateOf, bool escaped)
    {
        var keys = Enumerable.Range(0, count).Select(i => escaped && i % 2 == 1 ? $"\"\\u006b{i}\"" : $"\"k{i}\"").ToList();
        if (duplicateOf is { } repeated)
        {
            keys.Add($"\"k{repeated}\"");
        }

        string members = string.Join(",", keys.Select((key, i) => i % 5 == 0 ? $"{key}:{{\"k{i}\":1,\"n\":{{\"k{i}\":2,\"n\":0}}}}" : $"{key}:{i}"));
        return """{"jsonrpc":"2.0","id":1,"method":"m","params":{""" + members + "}}";
    }

    private const string Levels = "logging/setLevel params need a \"level\" that is one of debug, info, notice, warning, error, critical, alert, emergency";
    private const string CompleteNeeds = "completion/complete params need a \"ref\" ({\"type\": \"ref/prompt\", \"name\"} or {\"type\": \"ref/resource\", \"uri\"}) and an \"argument\" ({\"name\", \"value\"}), all strings";

    // Params the SDK reads whole into its own types, answering a mismatch as an internal error (-32603), or (initialize
    // over HTTP) a 500; and levels the SDK takes but MCP does not have (a number).
    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"loud"}}""", Levels)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":5}}""", Levels)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"INFO"}}""", Levels)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{}}""", Levels)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"logging/setLevel"}""", Levels)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete"}""", CompleteNeeds)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{}}""", CompleteNeeds)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"}}}""", CompleteNeeds)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":5}}}""", CompleteNeeds + "; the value at $.argument.value does not fit")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/bogus","name":"p"},"argument":{"name":"a","value":"b"}}}""", CompleteNeeds + "; the value at $.ref does not fit")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":5,"argument":{"name":"a","value":"b"}}}""", CompleteNeeds + "; the value at $.ref does not fit")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{}}}""", "initialize needs params with protocolVersion, capabilities and clientInfo (name and version)")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":5,"capabilities":{},"clientInfo":{"name":"c","version":"1"}}}""", "initialize params do not match the MCP schema at $.protocolVersion")]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"initialize"}""", "initialize needs params with protocolVersion, capabilities and clientInfo")]
    public void ParamsTheSdkCannotRead_AreAProblem(string body, string problem)
    {
        byte[] message = Encoding.UTF8.GetBytes(body);
        var check = JsonRpcMessageCheck.Check(message);

        Assert.True(check.IsValid);
        Assert.Equal(problem, JsonRpcMessageCheck.ParamsProblem(check.Method, message, sessionless: false));
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"emergency"}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"x://y"},"argument":{"name":"a","value":""},"context":{"arguments":{"b":"c"}}}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}""", false)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"level":5}}""", false)]
    // 2026-07-28 has no initialize and no logging/setLevel: the SDK refuses them as methods, whatever their params.
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"loud"}}""", true)]
    [InlineData("""{"jsonrpc":"2.0","id":1,"method":"initialize"}""", true)]
    public void ParamsTheSdkCanRead_AreNoProblem(string body, bool sessionless)
    {
        byte[] message = Encoding.UTF8.GetBytes(body);

        Assert.Null(JsonRpcMessageCheck.ParamsProblem(JsonRpcMessageCheck.Check(message).Method, message, sessionless));
    }

    private static void AssertVerdict(byte[] body, McpErrorCode? code, string? error, string? method, string? id)
    {
        var result = JsonRpcMessageCheck.Check(body);

        Assert.Equal(code, result.Code);
        Assert.Equal(error, result.Error);
        Assert.Equal(code is null, result.IsValid);
        Assert.Equal(method, result.Method);
        Assert.Equal(id, id is null && result.Id.Equals(default(Range)) ? null : Encoding.UTF8.GetString(body[result.Id]));
    }
}
