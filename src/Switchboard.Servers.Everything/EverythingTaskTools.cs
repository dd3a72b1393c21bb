using System.ComponentModel;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Switchboard.Tools;

namespace Switchboard.Servers.Everything;

/// <summary>
/// The fixtures of the conformance suite's <c>tasks-*</c> scenarios (SEP-2663): tools that run as durable tasks for a
/// client that declares the tasks extension, and one that never does.
/// </summary>
[McpServerToolType]
internal sealed class EverythingTaskTools
{
    [McpServerTool(Name = "greet", ReadOnly = true), Description("Greets someone; always answered inline, never as a task.")]
    public static string Greet([Description("Who to greet.")] string name) => $"Hello, {name}!";

    [McpServerTool(Name = "slow_compute", ReadOnly = true), TaskSupport(TaskSupport.Optional)]
    [Description("Sleeps the given number of seconds, then answers; runs as a task for clients that support tasks, and stops when the task is cancelled.")]
    public static async Task<string> SlowCompute(
        [Description("Seconds to sleep (0 to 600).")] double seconds,
        [Description("A label echoed in the answer.")] string? label = null,
        CancellationToken cancellationToken = default)
    {
        if (seconds is < 0 or > 600)
        {
            throw new McpProtocolException("seconds must be between 0 and 600.", McpErrorCode.InvalidParams);
        }

        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        return $"Computed {label ?? "result"} after {seconds} s.";
    }

    [McpServerTool(Name = "failing_job"), TaskSupport(TaskSupport.Required)]
    [Description("Runs only as a task; after about a second it reports a tool error.")]
    public static async Task<CallToolResult> FailingJob(CancellationToken cancellationToken = default)
    {
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "The job failed, as this fixture always does." }] };
    }

    [McpServerTool(Name = "protocol_error_job"), TaskSupport(TaskSupport.Optional)]
    [Description("Fails with a JSON-RPC (protocol) error rather than a tool error.")]
    public static string ProtocolErrorJob() => throw new McpProtocolException("The job hit an internal protocol error, as this fixture always does.", McpErrorCode.InternalError);

    [McpServerTool(Name = "confirm_delete", Destructive = true), TaskSupport(TaskSupport.Optional)]
    [Description("Asks the user (elicitation) to confirm deleting a file, then says what it did.")]
    public static string ConfirmDelete(RequestContext<CallToolRequestParams> context, [Description("The file to delete.")] string? filename = null)
    {
        var answers = Answers(context, "confirm");
        string file = filename ?? "the file";
        if (answers.TryGetValue("confirm", out var confirm))
        {
            return confirm.Action == "accept" ? $"Deleted {file}." : $"Kept {file} ({confirm.Action}).";
        }

        throw new InputRequiredException(new Dictionary<string, InputRequest> { ["confirm"] = Confirmation($"Delete {file}?") }, null);
    }

    [McpServerTool(Name = "multi_input"), TaskSupport(TaskSupport.Optional)]
    [Description("Asks two questions at once (two elicitations), then answers with both.")]
    public static string MultiInput(RequestContext<CallToolRequestParams> context)
    {
        var answers = Answers(context, "first", "second");
        if (answers.Count == 2)
        {
            return $"first: {answers["first"].Action}, second: {answers["second"].Action}";
        }

        throw new InputRequiredException(
            new Dictionary<string, InputRequest> { ["first"] = Confirmation("First question?"), ["second"] = Confirmation("Second question?") },
            null);
    }

    [McpServerTool(Name = "test_tool_with_task"), TaskSupport(TaskSupport.Required, InputFirst = true)]
    [Description("Asks for your name inline (an input round), then greets you from a task.")]
    public static string ToolWithTask(RequestContext<CallToolRequestParams> context)
    {
        if (Answers(context, "user_name").TryGetValue("user_name", out var answer) && answer.Content?.TryGetValue("name", out var name) == true)
        {
            return $"Hello from the task, {name}!";
        }

        throw new InputRequiredException(
            new Dictionary<string, InputRequest>
            {
                ["user_name"] = InputRequest.ForElicitation(new ElicitRequestParams
                {
                    Message = "What is your name?",
                    RequestedSchema = new ElicitRequestParams.RequestSchema
                    {
                        Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition> { ["name"] = new ElicitRequestParams.StringSchema { Description = "Your name." } },
                        Required = ["name"],
                    },
                }),
            },
            null);
    }

    private static Dictionary<string, ElicitResult> Answers(RequestContext<CallToolRequestParams> context, params string[] keys)
    {
        var answers = new Dictionary<string, ElicitResult>(StringComparer.Ordinal);
        foreach (string key in keys)
        {
            if (context.Params?.InputResponses?.TryGetValue(key, out var response) == true &&
                response.Deserialize(McpJsonUtilities.DefaultOptions.GetTypeInfo<ElicitResult>()) is { } result)
            {
                answers[key] = result;
            }
        }

        return answers;
    }

    private static InputRequest Confirmation(string message) => InputRequest.ForElicitation(new ElicitRequestParams
    {
        Message = message,
        RequestedSchema = new ElicitRequestParams.RequestSchema
        {
            Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition> { ["confirmed"] = new ElicitRequestParams.BooleanSchema { Description = "Yes or no." } },
        },
    });
}
