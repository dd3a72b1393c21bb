using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Switchboard.Access;

/// <summary>
/// The <c>details</c> of an access audit event: <c>{"decision":…,"durationMs":…,"arguments":…}</c>, the last only
/// when arguments are captured. Written straight to UTF-8 with the writer a <see cref="JsonObject"/> would use
/// (<see cref="JsonNode.ToJsonString"/>'s default options), so the text is the same, without the object's
/// dictionary and nodes on every tool call.
/// </summary>
internal static class AuditDetails
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static string Write(string? decision, double durationMs, JsonNode? arguments)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(256);
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer);
        }
        else
        {
            writer.Reset(buffer);
        }

        try
        {
            writer.WriteStartObject();
            writer.WriteString("decision", decision);
            writer.WriteNumber("durationMs", durationMs);
            if (arguments is not null)
            {
                writer.WritePropertyName("arguments");
                arguments.WriteTo(writer);
            }

            writer.WriteEndObject();
            writer.Flush();
            return Encoding.UTF8.GetString(buffer.WrittenSpan);
        }
        finally
        {
            // A large capture is not kept alive by the thread.
            if (buffer.Capacity > 16 * 1024)
            {
                t_buffer = null;
                t_writer = null;
            }
            else
            {
                buffer.ResetWrittenCount();
            }
        }
    }
}
