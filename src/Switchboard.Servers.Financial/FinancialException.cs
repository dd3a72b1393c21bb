using System.Diagnostics.CodeAnalysis;
using Switchboard.Tools;

namespace Switchboard.Servers.Financial;

/// <summary>
/// A calculation that cannot give a trustworthy number: invalid input, or an iterative solver that did not converge,
/// found no root or found several. The tools turn it into an <c>isError</c> tool result carrying <see cref="Exception.Message"/>,
/// so the message is written for the model that reads it: what was wrong and what to change.
/// </summary>
public sealed class FinancialException : Exception
{
    /// <summary>Creates the exception with a message for the caller.</summary>
    public FinancialException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public FinancialException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public FinancialException()
        : base("The financial calculation failed.")
    {
    }

    [DoesNotReturn]
    internal static void Throw(string message) => throw new FinancialException(message);

    /// <summary>Throws with <paramref name="message"/>, its numbers and dates formatted invariantly.</summary>
    [DoesNotReturn]
    internal static void Throw(ref InvariantInterpolatedStringHandler message) => throw new FinancialException(message.ToStringAndClear());

    internal static void ThrowIfNotFinite(double value, string name)
    {
        if (!double.IsFinite(value))
        {
            Throw($"'{name}' must be a finite number.");
        }
    }

    internal static void ThrowIfNegative(double value, string name)
    {
        ThrowIfNotFinite(value, name);
        if (value < 0)
        {
            Throw($"'{name}' must be zero or greater; got {value}.");
        }
    }

    internal static void ThrowIfNotPositive(double value, string name)
    {
        ThrowIfNotFinite(value, name);
        if (value <= 0)
        {
            Throw($"'{name}' must be greater than zero; got {value}.");
        }
    }
}
