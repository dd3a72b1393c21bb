using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Switchboard.Gateway.Tests.Telemetry.Otlp;
using Switchboard.Testing;

namespace Switchboard.Gateway.Tests.Telemetry;

/// <summary>One span as an OTLP exporter sent it, with the <c>service.name</c> of the process that sent it.</summary>
public sealed record ReceivedSpan(string Service, string Scope, Span Span)
{
    public string TraceId => Convert.ToHexStringLower(Span.TraceId.Span);

    public string SpanId => Convert.ToHexStringLower(Span.SpanId.Span);

    public string ParentSpanId => Convert.ToHexStringLower(Span.ParentSpanId.Span);

    public string? Attribute(string key) => Span.Attributes.FirstOrDefault(a => a.Key == key)?.Value is { } value ? Text(value) : null;

    public IEnumerable<string> AttributeValues => Span.Attributes.Select(a => Text(a.Value));

    public override string ToString() => $"{Service} {Scope} '{Span.Name}' ({Span.Kind}) {SpanId} <- {ParentSpanId}";

    private static string Text(AnyValue value) => value.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}

/// <summary>
/// An OTLP/HTTP trace receiver on a loopback port (what an OpenTelemetry Collector offers on 4318): it decodes the
/// protobuf <c>ExportTraceServiceRequest</c> POSTed to <c>/v1/traces</c> and keeps every span; other signals are
/// accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly WebApplication _app;

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The value for <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
    public string Endpoint => _app.Urls.First();

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    public static async Task<OtlpReceiver> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(LoopbackPort.NextUrl());
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, request.HttpContext.RequestAborted);
            var export = ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray());
            foreach (var resource in export.ResourceSpans)
            {
                string service = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value.StringValue ?? "";
                foreach (var scope in resource.ScopeSpans)
                {
                    foreach (var span in scope.Spans)
                    {
                        receiver._spans.Enqueue(new ReceivedSpan(service, scope.Scope?.Name ?? "", span));
                    }
                }
            }

            return Results.Bytes([], "application/x-protobuf"); // an empty ExportTraceServiceResponse: all accepted
        });
        app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf"));
        await app.StartAsync(cancellationToken);
        return receiver;
    }

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
