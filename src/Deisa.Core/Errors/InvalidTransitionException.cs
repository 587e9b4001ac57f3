using Deisa.Core.Graph;
using Deisa.Core.Scheduling;

namespace Deisa.Core.Errors;

/// <summary>A state machine was asked for a transition its table does not have: a bug in Deisa.</summary>
public sealed class InvalidTransitionException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="key">The key.</param>
    /// <param name="from">Its state.</param>
    /// <param name="to">The state it was asked to move to.</param>
    /// <param name="story">Its recent transitions, as text.</param>
    public InvalidTransitionException(TaskKey key, TaskStatus from, TaskStatus to, string story)
        : base($"No transition {from} -> {to} for key {key}. This is a bug in Deisa; please report it with this story:{Environment.NewLine}{story}")
    {
        Key = key;
        From = from;
        To = to;
        Story = story;
    }

    /// <summary>Gets the key.</summary>
    public TaskKey Key { get; }

    /// <summary>Gets the state the key was in.</summary>
    public TaskStatus From { get; }

    /// <summary>Gets the state it was asked to move to.</summary>
    public TaskStatus To { get; }

    /// <summary>Gets the key's recent transitions.</summary>
    public string Story { get; }
}
