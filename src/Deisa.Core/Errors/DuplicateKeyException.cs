using Deisa.Core.Graph;

namespace Deisa.Core.Errors;

/// <summary>A key was submitted with a task different from the one it already has.</summary>
public sealed class DuplicateKeyException : GraphValidationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The key.</param>
    /// <param name="existing">What the key already stands for.</param>
    /// <param name="submitted">What was submitted for it.</param>
    public DuplicateKeyException(TaskKey key, string existing, string submitted)
        : base(key, $"Key {key} already exists as {existing}, and was submitted again as {submitted}. " +
            "Keys name their values: give the new task another key.")
    {
    }
}
