using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Switchboard.Storage.Tests.Infrastructure;

/// <summary>A logger factory that keeps every entry's event id and message, so tests can count what happened.</summary>
public sealed class RecordingLoggerFactory : ILoggerFactory
{
    private readonly ConcurrentQueue<(EventId Event, string Message)> _entries = new();

    /// <summary>The entries logged so far, oldest first.</summary>
    public IReadOnlyList<(EventId Event, string Message)> Entries => [.. _entries];

    /// <summary>How many entries carry <paramref name="eventId"/>.</summary>
    public int Count(int eventId) => _entries.Count(e => e.Event.Id == eventId);

    public ILogger CreateLogger(string categoryName) => new Logger(_entries);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private sealed class Logger(ConcurrentQueue<(EventId, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((eventId, formatter(state, exception)));
    }
}
