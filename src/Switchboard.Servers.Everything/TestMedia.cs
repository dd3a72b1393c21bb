namespace Switchboard.Servers.Everything;

/// <summary>The smallest valid media files, for content-type round trips.</summary>
internal static class TestMedia
{
    /// <summary>A 1×1 red pixel PNG.</summary>
    public static byte[] Png => Convert.FromBase64String(PngBase64);

    /// <summary>A WAV header with one silent 16-bit sample at 8 kHz.</summary>
    public static byte[] Wav => Convert.FromBase64String(WavBase64);

    private const string PngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    private const string WavBase64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQIAAAAAAA==";
}
