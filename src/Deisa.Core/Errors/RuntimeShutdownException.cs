using Deisa.Core.Graph;

namespace Deisa.Core.Errors;

/// <summary>The runtime stopped while results were still awaited.</summary>
public sealed class RuntimeShutdownException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which keys were awaited, and in which state they were.</param>
    /// <param name="keys">The keys that were awaited.</param>
    /// <param name="innerException">The failure that stopped the runtime, if it did not stop on request.</param>
    public RuntimeShutdownException(string message, IReadOnlyList<TaskKey> keys, Exception? innerException = null)
        : base(message, innerException)
    {
        Keys = keys;
    }

    /// <summary>Gets the keys that were awaited.</summary>
    public IReadOnlyList<TaskKey> Keys { get; }
}
