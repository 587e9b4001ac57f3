namespace Deisa.Core.Errors;

/// <summary>A steering value came after some simulation rank had already read its name at its step: no rank was given it.</summary>
public sealed class SteeringTooLateException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which value, for which step, which ranks had read past it, and what to do.</param>
    public SteeringTooLateException(string message)
        : base(message)
    {
    }
}
