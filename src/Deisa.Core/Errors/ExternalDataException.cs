using Deisa.Core.Graph;

namespace Deisa.Core.Errors;

/// <summary>The data of an external key will never arrive, or arrived in a way that cannot be accepted.</summary>
public sealed class ExternalDataException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The external key.</param>
    /// <param name="message">What happened.</param>
    public ExternalDataException(TaskKey key, string message)
        : base(message)
    {
        Key = key;
    }

    /// <summary>Gets the external key.</summary>
    public TaskKey Key { get; }
}
