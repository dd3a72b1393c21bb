using System.Globalization;
using System.Runtime.CompilerServices;

namespace Switchboard.Tools;

/// <summary>
/// Formats an interpolated message with the invariant culture. A throw helper that takes it by <c>ref</c> beside its
/// <c>string</c> overload makes every <c>$"…{count:N0}…{rate}"</c> passed to it read the same whatever the host's
/// culture: the compiler prefers this handler over <c>string</c> for an interpolated argument, as it does for
/// <c>StringBuilder.Append</c>'s handler.
/// </summary>
[InterpolatedStringHandler]
public ref struct InvariantInterpolatedStringHandler
{
    private DefaultInterpolatedStringHandler _inner;

    /// <summary>Called by the compiler for each interpolated argument.</summary>
    public InvariantInterpolatedStringHandler(int literalLength, int formattedCount) =>
        _inner = new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture);

    /// <summary>Appends literal text.</summary>
    public void AppendLiteral(string value) => _inner.AppendLiteral(value);

    /// <summary>Appends a value, formatted invariantly.</summary>
    public void AppendFormatted<T>(T value) => _inner.AppendFormatted(value);

    /// <summary>Appends a value with a format string, formatted invariantly.</summary>
    public void AppendFormatted<T>(T value, string? format) => _inner.AppendFormatted(value, format);

    /// <summary>Appends a value padded to <paramref name="alignment"/>.</summary>
    public void AppendFormatted<T>(T value, int alignment) => _inner.AppendFormatted(value, alignment);

    /// <summary>Appends a value with a format string, padded to <paramref name="alignment"/>.</summary>
    public void AppendFormatted<T>(T value, int alignment, string? format) => _inner.AppendFormatted(value, alignment, format);

    /// <summary>Appends a span of characters.</summary>
    public void AppendFormatted(scoped ReadOnlySpan<char> value) => _inner.AppendFormatted(value);

    /// <summary>Appends a string.</summary>
    public void AppendFormatted(string? value) => _inner.AppendFormatted(value);

    /// <summary>The message; the handler cannot be used afterwards.</summary>
    public string ToStringAndClear() => _inner.ToStringAndClear();
}
