using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Switchboard.Testing;

namespace Switchboard.Monitoring.Tests;

/// <summary>One notification Alertmanager delivered: the path it was posted to and its JSON body.</summary>
internal sealed record Delivery(string Path, JsonElement Body);

/// <summary>
/// A loopback HTTP endpoint standing in for PagerDuty's Events API and Slack's incoming webhook (both plain JSON
/// POSTs): it answers 202 and keeps every body.
/// </summary>
internal sealed class WebhookReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly Task _loop;

    public WebhookReceiver()
    {
        Url = $"http://127.0.0.1:{LoopbackPort.Next()}/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    /// <summary>Its base URL, ending in <c>/</c>.</summary>
    public string Url { get; }

    public IReadOnlyList<Delivery> Deliveries => [.. _deliveries];

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }

            using (var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8))
            {
                string body = await reader.ReadToEndAsync();
                using var document = JsonDocument.Parse(body);
                _deliveries.Enqueue(new Delivery(context.Request.Url!.AbsolutePath, document.RootElement.Clone()));
            }

            context.Response.StatusCode = (int)HttpStatusCode.Accepted;
            context.Response.Close();
        }
    }
}
