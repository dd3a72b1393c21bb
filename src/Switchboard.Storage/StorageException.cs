namespace Switchboard.Storage;

/// <summary>
/// A storage problem an operator can act on: the message says what is wrong and what to do, and nothing was changed.
/// </summary>
public class StorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StorageException()
    {
    }

    /// <summary>Creates the exception with an operator-readable message.</summary>
    public StorageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an operator-readable message and the underlying cause.</summary>
    public StorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The database cannot be reached right now (down, restarting, wrong address or credentials). Hosts map this to
/// 503 so requests fail fast instead of hanging.
/// </summary>
public sealed class StorageUnavailableException : StorageException
{
    /// <summary>Creates the exception.</summary>
    public StorageUnavailableException()
    {
    }

    /// <summary>Creates the exception with an operator-readable message.</summary>
    public StorageUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an operator-readable message and the underlying cause.</summary>
    public StorageUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A write collided with a row that already exists (a unique name or id), typically a concurrent create of the same
/// thing. Callers turn it into the same answer as their own "already exists" check.
/// </summary>
public sealed class StorageConflictException : StorageException
{
    /// <summary>Creates the exception.</summary>
    public StorageConflictException()
    {
    }

    /// <summary>Creates the exception with an operator-readable message.</summary>
    public StorageConflictException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with an operator-readable message and the underlying cause.</summary>
    public StorageConflictException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
