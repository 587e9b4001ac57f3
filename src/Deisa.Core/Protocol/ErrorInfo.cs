using Deisa.Core.Errors;

namespace Deisa.Core.Protocol;

/// <summary>An exception as it travels: its type, message and stack trace, and the object itself within one process.</summary>
public sealed class ErrorInfo
{
    /// <summary>Creates the information.</summary>
    /// <param name="typeName">The exception's full type name.</param>
    /// <param name="message">The exception's message.</param>
    /// <param name="stackTrace">The stack trace, if any.</param>
    /// <param name="exception">The object, when it did not cross a process boundary.</param>
    public ErrorInfo(string typeName, string message, string? stackTrace, Exception? exception = null)
    {
        TypeName = typeName;
        Message = message;
        StackTrace = stackTrace;
        Exception = exception;
    }

    /// <summary>Gets the exception's full type name.</summary>
    public string TypeName { get; }

    /// <summary>Gets the exception's message.</summary>
    public string Message { get; }

    /// <summary>Gets the stack trace where it was thrown.</summary>
    public string? StackTrace { get; }

    /// <summary>Gets the exception object; null once it has crossed a process boundary.</summary>
    public Exception? Exception { get; }

    /// <summary>Describes an exception.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>The information, keeping the object.</returns>
    public static ErrorInfo From(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new ErrorInfo(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace, exception);
    }

    /// <summary>Gets the original exception, or a <see cref="RemoteTaskException"/> standing for it.</summary>
    /// <returns>The exception.</returns>
    public Exception ToException() => Exception ?? new RemoteTaskException(TypeName, Message, StackTrace);

    /// <summary>Formats as <c>Type: message</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{TypeName}: {Message}";
}
