namespace Deisa.Core.Errors;

/// <summary>A blocking wait in Deisa ran out of time.</summary>
public sealed class DeisaTimeoutException : TimeoutException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was awaited, from whom, for how long, and what to check.</param>
    public DeisaTimeoutException(string message)
        : base(message)
    {
    }
}
