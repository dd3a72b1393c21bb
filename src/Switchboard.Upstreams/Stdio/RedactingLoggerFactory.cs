using Microsoft.Extensions.Logging;

namespace Switchboard.Upstreams.Stdio;

/// <summary>
/// The logger factory a stdio upstream's SDK client logs through. The SDK puts the process's last stderr lines into
/// its exception messages ("client initialization error … Server's stderr tail: …") and logs them at Error; a process
/// that echoes its environment would put its credentials in our log. An entry whose text or exception holds a
/// secret is logged as redacted text instead (the exception folded into it); every other entry passes unchanged.
/// </summary>
internal sealed class RedactingLoggerFactory(ILoggerFactory inner, Func<string, string> redact) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName), redact);

    // Not ours to dispose: the host's factory.
    public void Dispose()
    {
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    private sealed class RedactingLogger(ILogger inner, Func<string, string> redact) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
            {
                return;
            }

            string message = formatter(state, exception);
            string text = exception is null ? message : $"{message}{Environment.NewLine}{exception}";
            string redacted = redact(text);
            if (string.Equals(redacted, text, StringComparison.Ordinal))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
                return;
            }

            inner.Log(logLevel, eventId, redacted, null, static (s, _) => s);
        }
    }
}
