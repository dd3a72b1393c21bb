using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Switchboard.Gateway.Identity;
using Switchboard.Gateway.Tests.Cli;

namespace Switchboard.Gateway.Tests.Http;

/// <summary>
/// Request bodies are held in memory, never spilled to disk: the container's root filesystem is read-only, and a body
/// is nobody's to keep. ASP.NET Core spills buffered bodies over 30 KB to <c>ASPNETCORE_TEMP</c>; pointing that at a
/// directory that does not exist turns any spill into a failed request.
/// </summary>
public sealed class RequestBodyBufferingTests
{
    [Fact]
    public async Task LargeBody_IsServed_WithNoWritableTempDirectory()
    {
        string workingDirectory = Directory.CreateTempSubdirectory("switchboard-body-").FullName;
        try
        {
            string key = ApiKeyFormat.Generate().Key;
            await using var gateway = await GatewayProcess.StartAsync(
                [$"--Identity:BootstrapAdminKey={key}", $"--Storage:ConnectionString=Data Source={Path.Combine(workingDirectory, "switchboard.db")}"],
                workingDirectory,
                TimeSpan.FromSeconds(60),
                new Dictionary<string, string> { ["ASPNETCORE_TEMP"] = Path.Combine(workingDirectory, "no-such-directory") });
            string body = """{"jsonrpc":"2.0","id":1,"method":"ping","params":{"_meta":{"pad":" """ + new string('x', 200 * 1024) + "\"}}}";
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"{gateway.Url}/mcp")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Accept.ParseAdd("application/json");
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.Add("MCP-Protocol-Version", "2025-11-25");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);

            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);

            string answer = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {answer}{Environment.NewLine}{gateway.Output}");
            Assert.Contains("\"result\"", answer, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(workingDirectory, recursive: true);
        }
    }
}
