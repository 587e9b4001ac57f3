using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// Something a window driver advances through an array's time chunks in order, keeping only a frontier of keys: a
/// reduction over time, or a fold (a chain of states, a tree of merges).
/// </summary>
internal interface ITimeWalker
{
    /// <summary>Gets the array walked.</summary>
    DeisaArray Input { get; }

    /// <summary>Gets the next time chunk to take.</summary>
    int Cursor { get; }

    /// <summary>Gets whether every time chunk was taken and the result emitted.</summary>
    bool IsComplete { get; }

    /// <summary>Gets the keys waiting for later time chunks: they must stay alive.</summary>
    IEnumerable<TaskKey> Pending { get; }

    /// <summary>Gets the result keys, once complete.</summary>
    IEnumerable<TaskKey> Results { get; }

    /// <summary>Gets why the walk has no result, when its open-ended run ended with no step it can make one of; null otherwise.</summary>
    Exception? Failure { get; }

    /// <summary>Takes the time chunks whose simulation steps end within <paramref name="limit"/>'s horizon, and emits the result after the last (or once the run ended).</summary>
    void Advance(TimeLimit limit, GraphSink sink);
}
