using System.Net;
using System.Net.Sockets;

namespace Switchboard.Testing;

/// <summary>
/// Free loopback ports below 32768. Test servers stay out of the kernel's ephemeral range (32768+), which port 0
/// would hand out, so they never collide with outgoing connections or with limits on the machines we run on.
/// </summary>
public static class LoopbackPort
{
    private const int First = 20000;
    private const int End = 32000;

    /// <summary>A port on 127.0.0.1 that was free a moment ago.</summary>
    public static int Next()
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = Random.Shared.Next(First, End);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken; try another.
            }
        }

        throw new InvalidOperationException($"No free loopback port between {First} and {End}.");
    }

    /// <summary>An <c>http://127.0.0.1:PORT</c> URL on a free port.</summary>
    public static string NextUrl() => $"http://127.0.0.1:{Next()}";
}
