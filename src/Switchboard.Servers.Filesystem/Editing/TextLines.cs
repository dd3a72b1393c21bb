using System.Text;

namespace Switchboard.Servers.Filesystem.Editing;

/// <summary>
/// The first or last lines of a file without reading all of it, with the reference server's exact results: head
/// splits on <c>\n</c> only and drops the empty piece after a final newline; tail turns <c>\r\n</c> into <c>\n</c>
/// and keeps the empty piece (so the last 2 lines of <c>"a\nb\n"</c> are <c>"b\n"</c>).
/// </summary>
internal static class TextLines
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>Decodes the whole file as UTF-8, invalid bytes as U+FFFD and a byte order mark kept (as Node does).</summary>
    public static string ReadAll(Stream stream)
    {
        using var reader = new StreamReader(stream, Utf8, detectEncodingFromByteOrderMarks: false);
        return reader.ReadToEnd();
    }

    /// <summary>The first <paramref name="count"/> lines; reading stops there or at <paramref name="maxBytes"/>.</summary>
    public static string Head(Stream stream, double count, long maxBytes)
    {
        var lines = new List<string>();
        if (count <= 0)
        {
            return "";
        }

        var decoder = Utf8.GetDecoder();
        var buffer = new byte[16 * 1024];
        var chars = new char[Utf8.GetMaxCharCount(buffer.Length)];
        var pending = new StringBuilder();
        long total = 0;
        while (lines.Count < count)
        {
            int read = stream.Read(buffer);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total > maxBytes)
            {
                ToolFailure.Throw($"The first {count} lines are longer than {maxBytes:N0} bytes, the most the server reads (MaxReadBytes): ask for fewer lines.");
            }

            int decoded = decoder.GetChars(buffer, 0, read, chars, 0, flush: false);
            pending.Append(chars, 0, decoded);
            string text = pending.ToString();
            int lastNewline = text.LastIndexOf('\n');
            if (lastNewline < 0)
            {
                continue;
            }

            foreach (string line in text[..lastNewline].Split('\n'))
            {
                lines.Add(line);
                if (lines.Count >= count)
                {
                    break;
                }
            }

            pending.Clear().Append(text, lastNewline + 1, text.Length - lastNewline - 1);
        }

        int tailDecoded = decoder.GetChars(buffer, 0, 0, chars, 0, flush: true);
        pending.Append(chars, 0, tailDecoded);
        if (pending.Length > 0 && lines.Count < count)
        {
            lines.Add(pending.ToString());
        }

        return string.Join('\n', lines);
    }

    /// <summary>The last <paramref name="count"/> lines, reading backwards from the end in 16 KiB chunks.</summary>
    public static string Tail(Stream stream, double count, long maxBytes)
    {
        long size = stream.Length;
        if (size == 0 || count <= 0)
        {
            return "";
        }

        long wanted = (long)Math.Truncate(count);
        var chunks = new List<byte[]>();
        long position = size;
        long newlines = 0;
        while (position > 0 && newlines < count)
        {
            int length = (int)Math.Min(16 * 1024, position);
            position -= length;
            if (size - position > maxBytes + length)
            {
                ToolFailure.Throw($"The last {count} lines are longer than {maxBytes:N0} bytes, the most the server reads (MaxReadBytes): ask for fewer lines.");
            }

            var chunk = new byte[length];
            stream.Position = position;
            stream.ReadExactly(chunk);
            chunks.Insert(0, chunk);
            newlines += chunk.AsSpan().Count((byte)'\n');
        }

        string text = Utf8.GetString([.. chunks.SelectMany(c => c)]).Replace("\r\n", "\n", StringComparison.Ordinal);
        string[] all = text.Split('\n');
        string result = wanted == 0 ? "" : string.Join('\n', all.Skip((int)Math.Max(0, all.Length - wanted)));
        if (Utf8.GetByteCount(result) > maxBytes)
        {
            ToolFailure.Throw($"The last {count} lines are longer than {maxBytes:N0} bytes, the most the server reads (MaxReadBytes): ask for fewer lines.");
        }

        return result;
    }
}
