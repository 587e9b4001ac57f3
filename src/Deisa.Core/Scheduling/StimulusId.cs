using Deisa.Core.Protocol;

namespace Deisa.Core.Scheduling;

/// <summary>Names the input that caused a transition: the message type and the scheduler's event number.</summary>
/// <param name="Kind">The type of message handled.</param>
/// <param name="Sequence">The number of the event in the scheduler, from 1.</param>
public readonly record struct StimulusId(MessageKind Kind, long Sequence)
{
    /// <summary>Formats as <c>TaskFinished#42</c>.</summary>
    /// <returns>The text.</returns>
    public override string ToString() => $"{Kind}#{Sequence}";
}
