namespace Deisa.Core.Errors;

/// <summary>Stands for an exception thrown in another process, whose object could not travel.</summary>
public sealed class RemoteTaskException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="exceptionType">The full name of the original exception's type.</param>
    /// <param name="message">The original message.</param>
    /// <param name="remoteStackTrace">The original stack trace, if any.</param>
    public RemoteTaskException(string exceptionType, string message, string? remoteStackTrace)
        : base($"{exceptionType}: {message}")
    {
        ExceptionType = exceptionType;
        OriginalMessage = message;
        RemoteStackTrace = remoteStackTrace;
    }

    /// <summary>Gets the full name of the original exception's type.</summary>
    public string ExceptionType { get; }

    /// <summary>Gets the original message.</summary>
    public string OriginalMessage { get; }

    /// <summary>Gets the stack trace in the process where the exception was thrown.</summary>
    public string? RemoteStackTrace { get; }
}
