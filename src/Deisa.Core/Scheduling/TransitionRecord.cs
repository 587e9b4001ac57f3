using Deisa.Core.Graph;

namespace Deisa.Core.Scheduling;

/// <summary>One transition of one key, as kept for its story.</summary>
/// <param name="Index">The transition's number in the scheduler, from 1.</param>
/// <param name="Key">The key.</param>
/// <param name="From">The state it left.</param>
/// <param name="To">The state it entered.</param>
/// <param name="Stimulus">The input that caused it.</param>
/// <param name="Worker">The worker involved (running or holding it), or -1.</param>
public readonly record struct TransitionRecord(long Index, TaskKey Key, TaskStatus From, TaskStatus To, StimulusId Stimulus, int Worker)
{
    /// <summary>Formats as one line of a story.</summary>
    /// <returns>The text.</returns>
    public override string ToString() =>
        $"#{Index} {Key} {From} -> {To} ({Stimulus}{(Worker >= 0 ? $", worker {Worker}" : string.Empty)})";
}
