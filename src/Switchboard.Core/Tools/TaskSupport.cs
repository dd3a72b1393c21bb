using ModelContextProtocol.Server;

namespace Switchboard.Tools;

/// <summary>Whether a tool runs as an MCP task (the <c>io.modelcontextprotocol/tasks</c> extension) for clients that support it.</summary>
public enum TaskSupport
{
    /// <summary>Always answered inline.</summary>
    Forbidden,

    /// <summary>Run as a durable task for clients that declare the tasks extension; inline for the others.</summary>
    Optional,

    /// <summary>Only as a task: a client without the tasks extension is refused (-32021).</summary>
    Required,
}

/// <summary>Marks a tool method as long-running: its calls become durable tasks (see <see cref="TaskSupport"/>).</summary>
/// <param name="mode">How the tool runs as a task.</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class TaskSupportAttribute(TaskSupport mode) : Attribute
{
    /// <summary>How the tool runs as a task.</summary>
    public TaskSupport Mode { get; } = mode;

    /// <summary>
    /// The tool first gathers input inline (MRTR rounds answered synchronously) and becomes a task only on the call
    /// that brings its answers (SEP-2663, MRTR then tasks).
    /// </summary>
    public bool InputFirst { get; init; }

    /// <summary>What <paramref name="tool"/> declares; <see cref="TaskSupport.Forbidden"/> when it says nothing.</summary>
    public static TaskSupport Of(McpServerTool tool) => For(tool)?.Mode ?? TaskSupport.Forbidden;

    /// <summary>The attribute on <paramref name="tool"/>, if any.</summary>
    public static TaskSupportAttribute? For(McpServerTool tool)
    {
        ArgumentNullException.ThrowIfNull(tool);
        // Read on every tool call: indexed, so that it allocates no enumerator.
        var metadata = tool.Metadata;
        for (int i = 0; i < metadata.Count; i++)
        {
            if (metadata[i] is TaskSupportAttribute support)
            {
                return support;
            }
        }

        return null;
    }
}
