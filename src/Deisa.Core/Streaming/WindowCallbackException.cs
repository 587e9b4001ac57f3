using Deisa.Core.Errors;

namespace Deisa.Core.Streaming;

/// <summary>A window callback failed at a step, or the data of a step it needed will never come.</summary>
public sealed class WindowCallbackException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="callback">The callback's name.</param>
    /// <param name="step">The simulation step.</param>
    /// <param name="message">What happened.</param>
    /// <param name="innerException">The callback's exception, or why the data never comes.</param>
    public WindowCallbackException(string callback, int step, string message, Exception? innerException)
        : base(message, innerException)
    {
        Callback = callback;
        Step = step;
    }

    /// <summary>Gets the callback's name.</summary>
    public string Callback { get; }

    /// <summary>Gets the simulation step.</summary>
    public int Step { get; }
}
