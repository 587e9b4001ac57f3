using Deisa.Core.Graph;

namespace Deisa.Core.Errors;

/// <summary>A task depends on a key that is neither in the submitted graph nor known to the scheduler.</summary>
public sealed class UnknownDependencyException : GraphValidationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The task.</param>
    /// <param name="dependency">The missing key.</param>
    public UnknownDependencyException(TaskKey key, TaskKey dependency)
        : base(key, $"Task {key} depends on {dependency}, which is neither in the submitted graph nor known to the scheduler. " +
            "Add its task to the graph, create it with CreateExternal, or keep a future to it so that it is not released.")
    {
        Dependency = dependency;
    }

    /// <summary>Gets the missing key.</summary>
    public TaskKey Dependency { get; }
}
