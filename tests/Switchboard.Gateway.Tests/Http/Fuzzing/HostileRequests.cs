using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Gateway.Tests.Http.Fuzzing;

/// <summary>
/// Generates the fuzzer's requests, deterministically from a seed: byte mutations of valid messages, structural JSON
/// abuse, every field of every method given every wrong type, every tool's schema violated, and header abuse.
/// </summary>
public sealed class HostileRequests(int seed, int maxBodyBytes)
{
    private readonly Random _random = new(seed);

    /// <summary>Values of every JSON type, and the awkward ones of each.</summary>
    private static readonly string[] WrongValues =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e308", "-1e308", "12345678901234567890123456789", "\"\"", "\"x\"",
        "\"\\u0000\"", "\"\\ud800\\udc00\"", $"\"{new string('y', 5000)}\"", "[]", "[1,\"a\",null]", "{}", """{"a":{"b":{"c":[]}}}""",
    ];

    /// <summary>The request parameters of each MCP client method, by name, with a valid value each.</summary>
    private static readonly (string Method, (string Field, string Valid)[] Fields)[] Methods =
    [
        ("ping", []),
        ("tools/list", [("cursor", "\"c\"")]),
        ("tools/call", [("name", "\"utilities__uuid_v4\""), ("arguments", "{}")]),
        ("resources/list", [("cursor", "\"c\"")]),
        ("resources/templates/list", [("cursor", "\"c\"")]),
        ("resources/read", [("uri", "\"test://static/resource/1\"")]),
        ("resources/subscribe", [("uri", "\"test://static/resource/1\"")]),
        ("resources/unsubscribe", [("uri", "\"test://static/resource/1\"")]),
        ("prompts/list", [("cursor", "\"c\"")]),
        ("prompts/get", [("name", "\"everything__simple_prompt\""), ("arguments", "{}")]),
        ("completion/complete", [("ref", """{"type":"ref/prompt","name":"everything__simple_prompt"}"""), ("argument", """{"name":"a","value":"b"}"""), ("context", "{}")]),
        ("logging/setLevel", [("level", "\"info\"")]),
        ("server/discover", []),
        ("notifications/cancelled", [("requestId", "1"), ("reason", "\"r\"")]),
        ("notifications/progress", [("progressToken", "1"), ("progress", "1")]),
        ("no/such/method", [("x", "1")]),
    ];

    public IEnumerable<HostileRequest> All(IReadOnlyList<(string Name, JsonElement Schema)> tools) =>
        Mutations(1200).Concat(Structure()).Concat(WrongTypes()).Concat(SchemaViolations(tools)).Concat(HeaderAbuse()).Concat(AdminApi());

    /// <summary>The admin API's bodies with every field of every wrong type, and dates at the edges of the calendar.</summary>
    public IEnumerable<HostileRequest> AdminApi()
    {
        (string Method, string Path, string Valid)[] endpoints =
        [
            ("POST", "/api/v1/keys", """{"name":"fuzz","roles":["viewer"],"expiresAt":"2099-01-01T00:00:00Z"}"""),
            ("PUT", "/api/v1/roles/fuzz-role", """{"permissions":["tools:call utilities/*"],"description":"d"}"""),
            ("POST", "/api/v1/tokens", """{"roles":["viewer"],"lifetime":"00:05:00"}"""),
        ];
        string[] dates = ["9999-12-31T23:59:59.9999999+00:00", "0001-01-01T00:00:00Z", "2000-01-01T00:00:00Z", "not a date", "9999-12-31T23:59:59Z"];
        foreach (var (method, path, valid) in endpoints)
        {
            var template = JsonNode.Parse(valid)!.AsObject();
            var values = WrongValues.Concat(dates.Select(d => $"\"{d}\"")).Concat(["\"-00:00:01\"", "\"10675199.02:48:05.4775807\""]);
            foreach (string field in template.Select(p => p.Key).ToArray())
            {
                foreach (string value in values)
                {
                    var body = template.DeepClone().AsObject();
                    body[field] = JsonNode.Parse(value);
                    yield return Admin(method, path, $"{field} = {Short(value)}", body.ToJsonString());
                }
            }

            foreach (string whole in (string[])["", "null", "[]", "\"x\"", "{", "{}"])
            {
                yield return Admin(method, path, $"body {Short(whole)}", whole);
            }
        }

        // A key that lives as long as the calendar allows, then rotated: its successor's expiry must not overflow.
        foreach (string date in dates.Take(1))
        {
            yield return Admin("POST", "/api/v1/keys", $"key expiring {date}", $$"""{"name":"edge","roles":["viewer"],"expiresAt":"{{date}}"}""");
        }

        foreach (string key in (string[])["sbk_aaaaaaaaaaaa", "%2e%2e", "x", new string('k', 3000)])
        {
            yield return Admin("POST", $"/api/v1/keys/{key}/rotate", $"rotate {Short(key)}", string.Empty);
            yield return Admin("DELETE", $"/api/v1/keys/{key}", $"revoke {Short(key)}", string.Empty);
        }

        HostileRequest Admin(string method, string path, string description, string body) =>
            new("admin", $"{method} {path} {description}", Encoding.UTF8.GetBytes(body), [new("Content-Type", "application/json")]) { Method = method, Path = path };
    }

    /// <summary>Valid messages with one to three bytes flipped, ranges dropped, junk inserted, or cut short.</summary>
    public IEnumerable<HostileRequest> Mutations(int count)
    {
        string[] junk = ["\0", "\u00ff", "\"", "{", "}", "[", "]", ",", ":", "\\", "\\u", "\\ud800", "\xC0\xAF", "\uFEFF", "\n", "-", "1e", "nul", "/*"];
        var templates = Methods.Where(m => !m.Method.StartsWith("notifications/", StringComparison.Ordinal)).ToArray();
        for (int i = 0; i < count; i++)
        {
            var (method, fields) = templates[_random.Next(templates.Length)];
            var valid = HostileRequest.Sessionless("mutation", method, method, Parameters(fields), i);
            var body = new List<byte>(valid.Body);
            int edits = _random.Next(1, 4);
            for (int e = 0; e < edits && body.Count > 0; e++)
            {
                int at = _random.Next(body.Count);
                switch (_random.Next(5))
                {
                    case 0: body[at] = (byte)_random.Next(256); break;
                    case 1: body.RemoveRange(at, Math.Min(_random.Next(1, 8), body.Count - at)); break;
                    case 2: body.InsertRange(at, Latin1(junk[_random.Next(junk.Length)])); break;
                    case 3: body.InsertRange(at, body.GetRange(at, Math.Min(_random.Next(1, 16), body.Count - at))); break;
                    default: body.RemoveRange(at, body.Count - at); break;
                }
            }

            yield return valid with { Family = "mutation", Description = $"{method}, {edits} edit(s), case {i}", Body = [.. body] };
        }
    }

    /// <summary>Deep nesting, huge numbers and strings, duplicate keys, batches, odd top-level values and encodings.</summary>
    public IEnumerable<HostileRequest> Structure()
    {
        foreach (int depth in (int[])[10, 63, 64, 65, 100, 1000, 5000])
        {
            string nested = new string('[', depth) + new string(']', depth);
            yield return Raw("structure", $"arguments nested {depth} deep", "tools/call", $$$"""{"name":"utilities__uuid_v4","arguments":{"a":{{{nested}}}}}""");
        }

        foreach (string number in (string[])["1e999999", "-0", "123456789012345678901234567890", "0.0000000000000000000000001", "1E+2147483648"])
        {
            yield return RawMessage("structure", $"id {number}", $$"""{"jsonrpc":"2.0","id":{{number}},"method":"ping"}""");
            yield return Raw("structure", $"argument {number}", "tools/call", $$$"""{"name":"financial__pmt","arguments":{"rate":{{{number}}},"nper":{{{number}}},"pv":{{{number}}}}}""");
        }

        foreach (int length in (int[])[maxBodyBytes - 400, maxBodyBytes - 100, maxBodyBytes + 10])
        {
            yield return Raw("structure", $"a string of {length} bytes", "tools/call", $$$"""{"name":"utilities__hash","arguments":{"text":"{{{new string('z', length)}}}"}}""");
        }

        yield return RawMessage("structure", "duplicate id", """{"jsonrpc":"2.0","id":1,"id":2,"method":"ping"}""");
        yield return Raw("structure", "duplicate argument", "tools/call", """{"name":"utilities__hash","arguments":{"text":"a","text":"b"}}""");
        yield return Raw("structure", "duplicate in _meta", "tools/list", """{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/protocolVersion":"2026-07-28"}}""");
        foreach (string top in (string[])["[]", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}]", "null", "1", "\"x\"", "true", "{}", " ", "\uFEFF{}"])
        {
            yield return RawMessage("structure", $"top-level {top}", top);
        }

        foreach (string text in (string[])["\\ud800", "\\udfff", "\\ud800\\u0041", "\\u0000", "\\uZZZZ", "\\x41"])
        {
            yield return Raw("structure", $"escape {text} in a name", "tools/call", $$"""{"name":"{{text}}"}""");
            yield return Raw("structure", $"escape {text} in _meta", "tools/list", $$$"""{"_meta":{"k":"{{{text}}}"}}""");
        }

        foreach (byte[] bytes in (byte[][])[[0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFF], [0xE2, 0x82]])
        {
            byte[] body = [.. "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\""u8.ToArray(), .. bytes, .. "\"}}"u8.ToArray()];
            yield return new HostileRequest("structure", $"invalid UTF-8 {Convert.ToHexString(bytes)} in a name", body, HostileRequest.SessionlessHeaders("tools/call", null));
        }
    }

    /// <summary>Every field of every method (and the envelope's own members) given a value of every wrong type.</summary>
    public IEnumerable<HostileRequest> WrongTypes()
    {
        foreach (string member in (string[])["jsonrpc", "id", "method", "params"])
        {
            foreach (string value in WrongValues)
            {
                var message = JsonNode.Parse("""{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}""")!.AsObject();
                message[member] = JsonNode.Parse(value);
                yield return new HostileRequest("wrong type", $"{member} = {Short(value)}", Encoding.UTF8.GetBytes(message.ToJsonString()), HostileRequest.SessionlessHeaders("tools/list", null));
            }
        }

        foreach (var (method, fields) in Methods)
        {
            foreach (var (field, _) in fields)
            {
                foreach (string value in WrongValues)
                {
                    var parameters = Parameters(fields);
                    parameters[field] = JsonNode.Parse(value);
                    yield return HostileRequest.Sessionless("wrong type", $"{method} {field} = {Short(value)}", method, parameters, 1);
                }
            }

            // The protocol's own _meta members, wrong too.
            foreach (string value in WrongValues.Take(8))
            {
                var parameters = Parameters(fields);
                parameters["_meta"] = new JsonObject { ["io.modelcontextprotocol/protocolVersion"] = JsonNode.Parse(value), ["io.modelcontextprotocol/clientCapabilities"] = JsonNode.Parse(value) };
                yield return HostileRequest.Sessionless("wrong type", $"{method} _meta = {Short(value)}", method, parameters, 1);
            }
        }
    }

    /// <summary>For each tool: arguments of the wrong shape, each property given each wrong type, unknown extras.</summary>
    public IEnumerable<HostileRequest> SchemaViolations(IReadOnlyList<(string Name, JsonElement Schema)> tools)
    {
        foreach (var (tool, schema) in tools)
        {
            foreach (string arguments in (string[])["null", "[]", "\"x\"", "1", "{}", """{"unknown":1}"""])
            {
                yield return Call($"{tool} arguments {arguments}", tool, JsonNode.Parse(arguments));
            }

            if (!schema.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var property in properties.EnumerateObject())
            {
                foreach (string value in WrongValues.OrderBy(_ => _random.Next()).Take(6))
                {
                    yield return Call($"{tool} {property.Name} = {Short(value)}", tool, new JsonObject { [property.Name] = JsonNode.Parse(value) });
                }
            }
        }

        HostileRequest Call(string description, string tool, JsonNode? arguments) =>
            HostileRequest.Sessionless("schema", description, "tools/call", new JsonObject { ["name"] = tool, ["arguments"] = arguments }, 1);
    }

    /// <summary>Protocol, routing, session, media-type and credential headers, alone and mismatched.</summary>
    public IEnumerable<HostileRequest> HeaderAbuse()
    {
        var valid = HostileRequest.Sessionless("header", "valid", "tools/call", new JsonObject { ["name"] = "utilities__uuid_v4", ["arguments"] = new JsonObject() }, 1);
        var cases = new List<(string Description, string Name, string? Value)>
        {
            ("no protocol version", "MCP-Protocol-Version", null),
            ("no Mcp-Method", "Mcp-Method", null),
            ("no Mcp-Name", "Mcp-Name", null),
            ("no Content-Type", "Content-Type", null),
        };
        foreach (string version in (string[])["", "garbage", "2099-01-01", "2025-11-25", "2024-11-05", " 2026-07-28", new string('9', 4000)])
        {
            cases.Add(($"protocol version '{Short(version)}'", "MCP-Protocol-Version", version));
        }

        foreach (string method in (string[])["tools/list", "", "TOOLS/CALL", "tools/call tools/call"])
        {
            cases.Add(($"Mcp-Method '{method}'", "Mcp-Method", method));
        }

        foreach (string name in (string[])["other", "", "=?base64?***?=", "=?base64?dXRpbGl0aWVzX191dWlkX3Y0?=", new string('n', 9000)])
        {
            cases.Add(($"Mcp-Name '{Short(name)}'", "Mcp-Name", name));
        }

        foreach (string session in (string[])["unknown", "", new string('s', 8000), "../../etc"])
        {
            cases.Add(($"Mcp-Session-Id '{Short(session)}'", "Mcp-Session-Id", session));
        }

        foreach (string type in (string[])["text/plain", "application/json; charset=latin1", "application/json; charset=\"utf-8\"", "application/jsonx", "multipart/form-data; boundary=x", ";"])
        {
            cases.Add(($"Content-Type '{type}'", "Content-Type", type));
        }

        foreach (string accept in (string[])["text/html", "*/*", "application/json", ""])
        {
            cases.Add(($"Accept '{accept}'", "Accept", accept));
        }

        foreach (var (description, name, value) in cases)
        {
            var headers = valid.Headers.Where(h => !h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (value is not null)
            {
                headers.Add(new(name, value));
            }

            yield return valid with { Description = description, Headers = headers };
        }

        foreach (string authorization in (string[])["", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer sbk_x", "Bearer sbk_aaaaaaaaaaaa_" + new string('a', 43), "Bearer " + new string('k', 6000), "Bearer a.b.c", "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."])
        {
            yield return valid with { Description = $"Authorization '{Short(authorization)}'", Authenticated = false, Headers = [.. valid.Headers, new("Authorization", authorization)] };
        }

        foreach (string method in (string[])["GET", "DELETE", "PUT", "PATCH", "OPTIONS"])
        {
            yield return valid with { Description = $"{method} /mcp", Method = method };
        }

        foreach (string path in (string[])["/servers/no-such/mcp", "/servers/utilities/mcp/extra", "/mcp/", "/MCP", "/api/v1/keys/%00", "/api/v1/audit?limit=-1", "/api/v1/audit?after=x"])
        {
            yield return valid with { Description = $"POST {path}", Path = path };
        }
    }

    private JsonObject Parameters((string Field, string Valid)[] fields)
    {
        var parameters = new JsonObject();
        foreach (var (field, value) in fields)
        {
            parameters[field] = JsonNode.Parse(value);
        }

        return parameters;
    }

    // A body whose params are given as text (so they may be invalid), sent with sessionless headers.
    private static HostileRequest Raw(string family, string description, string method, string parameters) =>
        RawMessage(family, description, $$"""{"jsonrpc":"2.0","id":1,"method":"{{method}}","params":{{parameters}}}""", method);

    private static HostileRequest RawMessage(string family, string description, string message, string method = "ping") =>
        new(family, description, Encoding.UTF8.GetBytes(message), HostileRequest.SessionlessHeaders(method, null));

    private static byte[] Latin1(string text) => Encoding.Latin1.GetBytes(text);

    private static string Short(string value) => value.Length > 24 ? $"{value[..20]}…({value.Length})" : value;
}
