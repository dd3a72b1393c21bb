using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ModelContextProtocol.Client;
using Switchboard.Testing;

namespace Switchboard.Servers.Filesystem.Tests.Differential;

/// <summary>
/// The same scripted tool calls (<c>tests/interop-filesystem/differential-script.json</c>) against the reference
/// server over stdio, driven by the official TypeScript SDK client, and against ours through the C# SDK, on two
/// identical trees; ours is the published executable over stdio (<c>switchboard mcp filesystem --root … --stdio</c>),
/// as it ships. Results must match after normalizing only what must differ: the two temporary directories and
/// the timestamps of get_file_info. Steps marked <c>"compare": "isError"</c> are schema-validation failures whose
/// wording comes from each SDK (docs/servers/filesystem.md lists them).
/// </summary>
public sealed partial class DifferentialTests : IDisposable
{
    private readonly FilesystemTree _referenceTree = new();
    private readonly FilesystemTree _ourTree = new();

    public void Dispose()
    {
        _referenceTree.Dispose();
        _ourTree.Dispose();
    }

    [Fact]
    public async Task ScriptedCalls_OursAndReference_GiveTheSameResults()
    {
        var script = JsonNode.Parse(await File.ReadAllTextAsync(ReferenceServer.ScriptPath, TestContext.Current.CancellationToken))!;
        var steps = script["steps"]!.AsArray();
        Assert.True(steps.Count >= 60, "the differential script must have at least 60 steps");

        string referenceOut = Path.Combine(_referenceTree.Base, "reference.json");
        var run = await ReferenceServer.RunNodeAsync("differential.mjs", [ReferenceServer.ScriptPath, _referenceTree.Root, _referenceTree.Outside, referenceOut], TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.Output);
        var reference = JsonNode.Parse(await File.ReadAllTextAsync(referenceOut, TestContext.Current.CancellationToken))!;
        var referenceResults = reference["results"]!.AsArray();

        await using var published = await ConnectToPublishedAsync(_ourTree);
        var differences = new List<string>();
        for (int i = 0; i < steps.Count; i++)
        {
            var step = steps[i]!;
            string tool = step["tool"]!.GetValue<string>();
            var arguments = Substitute(step["arguments"]!, _ourTree).Deserialize<Dictionary<string, object?>>();
            var ours = await published.CallToolAsync(tool, arguments, cancellationToken: TestContext.Current.CancellationToken);
            var oursNode = JsonSerializer.SerializeToNode(new
            {
                isError = ours.IsError == true,
                content = ours.Content,
                structuredContent = ours.StructuredContent,
            }, ModelContextProtocol.McpJsonUtilities.DefaultOptions)!;

            string expected = Normalize(referenceResults[i]!, _referenceTree, tool);
            string actual = Normalize(oursNode, _ourTree, tool);
            bool same = step["compare"]?.GetValue<string>() == "isError"
                ? referenceResults[i]!["isError"]!.GetValue<bool>() == oursNode["isError"]!.GetValue<bool>()
                : expected == actual;
            if (!same)
            {
                differences.Add($"step {i + 1} {tool} {step["arguments"]!.ToJsonString()}\n  reference: {expected}\n  ours:      {actual}");
            }
        }

        Assert.True(differences.Count == 0, $"{differences.Count} of {steps.Count} steps differ:\n{string.Join("\n", differences)}");
    }

    [Fact]
    public async Task ListTools_OursAndReference_HaveTheSameNamesArgumentsAndAnnotations()
    {
        string referenceOut = Path.Combine(_referenceTree.Base, "reference-tools.json");
        await File.WriteAllTextAsync(Path.Combine(_referenceTree.Base, "empty-script.json"), """{"steps":[]}""", TestContext.Current.CancellationToken);
        var run = await ReferenceServer.RunNodeAsync("differential.mjs", [Path.Combine(_referenceTree.Base, "empty-script.json"), _referenceTree.Root, _referenceTree.Outside, referenceOut], TimeSpan.FromMinutes(2));
        Assert.True(run.ExitCode == 0, run.Output);
        var referenceTools = JsonNode.Parse(await File.ReadAllTextAsync(referenceOut, TestContext.Current.CancellationToken))!["tools"]!.AsArray();

        await using var published = await ConnectToPublishedAsync(_ourTree);
        var ourTools = (await published.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken)).ToDictionary(t => t.Name);
        var differences = new List<string>();
        foreach (var referenceTool in referenceTools)
        {
            string name = referenceTool!["name"]!.GetValue<string>();
            if (!ourTools.TryGetValue(name, out var ours))
            {
                differences.Add($"{name}: missing");
                continue;
            }

            var ourTool = JsonSerializer.SerializeToNode(ours.ProtocolTool, ModelContextProtocol.McpJsonUtilities.DefaultOptions)!;
            foreach (string field in new[] { "title", "description" })
            {
                if (referenceTool[field]?.ToJsonString() != ourTool[field]?.ToJsonString())
                {
                    differences.Add($"{name}.{field}: {referenceTool[field]?.ToJsonString()} vs {ourTool[field]?.ToJsonString()}");
                }
            }

            // The C# SDK repeats the title inside the annotations (allowed by the spec); everything else must match.
            (ourTool["annotations"] as JsonObject)?.Remove("title");
            if (Canonical(referenceTool["annotations"]) != Canonical(ourTool["annotations"]))
            {
                differences.Add($"{name}.annotations: {Canonical(referenceTool["annotations"])} vs {Canonical(ourTool["annotations"])}");
            }

            string referenceArguments = Arguments(referenceTool["inputSchema"]!), ourArguments = Arguments(ourTool["inputSchema"]!);
            if (referenceArguments != ourArguments)
            {
                differences.Add($"{name}.inputSchema: {referenceArguments} vs {ourArguments}");
            }

            if (Canonical(WithoutDialect(referenceTool["outputSchema"])) != Canonical(WithoutDialect(ourTool["outputSchema"])))
            {
                differences.Add($"{name}.outputSchema: {Canonical(WithoutDialect(referenceTool["outputSchema"]))} vs {Canonical(WithoutDialect(ourTool["outputSchema"]))}");
            }
        }

        Assert.Equal(referenceTools.Count, ourTools.Count);
        Assert.True(differences.Count == 0, string.Join("\n", differences));
    }

    // The server as a desktop client runs it: the published executable over stdio, serving the tree's root.
    private static Task<McpClient> ConnectToPublishedAsync(FilesystemTree tree) =>
        McpClient.CreateAsync(
            new StdioClientTransport(new StdioClientTransportOptions
            {
                Command = PublishedSwitchboard.Path,
                Arguments = ["mcp", "filesystem", "--root", tree.Root, "--stdio"],
                WorkingDirectory = tree.Base,
                Name = "switchboard-filesystem",
            }),
            cancellationToken: TestContext.Current.CancellationToken);

    // Argument names, their JSON types, whether required, defaults and enums: what a client's call depends on.
    private static string Arguments(JsonNode schema)
    {
        var required = schema["required"]?.AsArray().Select(r => r!.GetValue<string>()).ToHashSet() ?? [];
        var properties = schema["properties"]?.AsObject() ?? [];
        return string.Join("; ", properties.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
            $"{p.Key}:{TypeOf(p.Value!)}{(required.Contains(p.Key) ? "!" : "")}" +
            $"{(p.Value!["default"] is { } d ? "=" + d.ToJsonString() : "")}{(p.Value["enum"] is { } e ? e.ToJsonString() : "")}"));
    }

    private static string TypeOf(JsonNode property)
    {
        var type = property["type"];
        string name = type is JsonArray array ? string.Join("|", array.Select(t => t!.GetValue<string>()).Where(t => t != "null"))
            : type is JsonValue ? type.GetValue<string>()
            : property["anyOf"] is JsonArray anyOf ? "anyOf(" + string.Join("|", anyOf.Select(a => TypeOf(a!))) + ")"
            : "any";
        return name == "array" && property["items"] is { } items ? $"array<{(TypeOf(items) == "object" ? "{" + Arguments(items) + "}" : TypeOf(items))}>" : name;
    }

    // zod-to-json-schema adds "$schema"; the output schemas must otherwise be the same.
    private static JsonNode? WithoutDialect(JsonNode? schema)
    {
        var copy = schema?.DeepClone() as JsonObject;
        copy?.Remove("$schema");
        return copy;
    }

    private static string Canonical(JsonNode? node) =>
        node is JsonObject o ? "{" + string.Join(",", o.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value?.ToJsonString()}")) + "}" : node?.ToJsonString() ?? "null";

    private static JsonNode Substitute(JsonNode node, FilesystemTree tree) =>
        JsonNode.Parse(node.ToJsonString().Replace("${ROOT}", JsonEncodedText.Encode(tree.Root).Value, StringComparison.Ordinal).Replace("${OUTSIDE}", JsonEncodedText.Encode(tree.Outside).Value, StringComparison.Ordinal))!;

    private static string Normalize(JsonNode result, FilesystemTree tree, string tool)
    {
        var copy = new JsonObject
        {
            ["isError"] = result["isError"]?.GetValue<bool>() ?? false,
            ["content"] = result["content"]?.DeepClone(),
            ["structuredContent"] = result["structuredContent"]?.DeepClone(),
        };
        string text = copy.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        text = text.Replace(tree.Root, "${ROOT}", StringComparison.Ordinal).Replace(tree.Outside, "${OUTSIDE}", StringComparison.Ordinal);
        if (tool == "get_file_info")
        {
            text = FileTimes().Replace(text, "$1: <time>");
        }

        return text;
    }

    [GeneratedRegex(@"(created|modified|accessed): [A-Z][a-z]{2} [^\\]*")]
    private static partial Regex FileTimes();
}
