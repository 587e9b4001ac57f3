using Deisa.Core.Graph;

namespace Deisa.Core.Errors;

/// <summary>A submitted graph contains a cycle.</summary>
public sealed class GraphCycleException : GraphValidationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="cycle">The keys of the cycle in dependency order; the first depends on the last.</param>
    public GraphCycleException(IReadOnlyList<TaskKey> cycle)
        : base(cycle[0], $"The graph has a cycle: {string.Join(" -> ", cycle)} -> {cycle[0]}. A task cannot depend on itself, directly or through others.")
    {
        Cycle = cycle;
    }

    /// <summary>Gets the keys of the cycle.</summary>
    public IReadOnlyList<TaskKey> Cycle { get; }
}
