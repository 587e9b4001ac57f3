using Deisa.Core.Graph;

namespace Deisa.Core.Errors;

/// <summary>A submitted graph was refused before anything ran; the graph is not applied at all.</summary>
public class GraphValidationException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The key at fault.</param>
    /// <param name="message">What is wrong and what to do.</param>
    public GraphValidationException(TaskKey key, string message)
        : base(message)
    {
        Key = key;
    }

    /// <summary>Gets the key at fault.</summary>
    public TaskKey Key { get; }
}
