namespace Deisa.Core.Errors;

/// <summary>The base of every error Deisa raises on purpose.</summary>
public class DeisaException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What happened, the likely cause and what to do.</param>
    public DeisaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    /// <param name="message">What happened, the likely cause and what to do.</param>
    /// <param name="innerException">The cause.</param>
    public DeisaException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
