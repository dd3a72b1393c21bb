using System.Text;

namespace Switchboard.Servers.Filesystem.Tools;

/// <summary>read_media_file's MIME types and file URIs, as the reference server makes them.</summary>
internal static class MediaTypes
{
    private static readonly Dictionary<string, string> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = "image/png",
        [".jpg"] = "image/jpeg",
        [".jpeg"] = "image/jpeg",
        [".gif"] = "image/gif",
        [".webp"] = "image/webp",
        [".bmp"] = "image/bmp",
        [".svg"] = "image/svg+xml",
        [".mp3"] = "audio/mpeg",
        [".wav"] = "audio/wav",
        [".ogg"] = "audio/ogg",
        [".flac"] = "audio/flac",
    };

    public static string FromExtension(string extension) =>
        ByExtension.TryGetValue(extension, out string? type) ? type : "application/octet-stream";

    /// <summary>Node's <c>pathToFileURL(path).href</c>: the URL path percent-encode set plus %, backslash, CR, LF and tab.</summary>
    public static string FileUri(string path)
    {
        var uri = new StringBuilder("file://");
        foreach (byte b in Encoding.UTF8.GetBytes(path))
        {
            bool encode = b <= 0x20 || b >= 0x7F || b is (byte)'"' or (byte)'#' or (byte)'%' or (byte)'<' or (byte)'>' or (byte)'?' or (byte)'`' or (byte)'{' or (byte)'}' or (byte)'\\';
            uri.Append(encode ? $"%{b:X2}" : ((char)b).ToString());
        }

        return uri.ToString();
    }
}
