namespace Deisa.Core.Arrays.Nodes;

/// <summary>How far a walk along an array's time may go in one round of a window driver, and whether its run ended.</summary>
/// <param name="Horizon">The steps whose tasks may be built: [0, Horizon).</param>
/// <param name="Complete">The steps known to be there: a time chunk that reads only steps below it exists (<see cref="long.MaxValue"/> for a bounded array).</param>
/// <param name="End">The number of steps the run has at most (<see cref="long.MaxValue"/> for a bounded array, or while unknown).</param>
/// <param name="Ended">Whether the run ended: no time chunk that reads a step at or past <see cref="End"/> exists.</param>
internal readonly record struct TimeLimit(long Horizon, long Complete, long End, bool Ended)
{
    /// <summary>Gets the limit of a bounded array: the window's horizon, every step there.</summary>
    public static TimeLimit Bounded(long horizon) => new(horizon, long.MaxValue, long.MaxValue, false);

    /// <summary>Gets whether a time chunk is known to exist: every step it reads is complete, within the run.</summary>
    public bool Exists(DeisaArray array, int time) => array.Node.SourceEnd(time) <= Math.Min(Complete, End);

    /// <summary>Gets whether the walk is over: every time chunk taken, or the run ended before the next one.</summary>
    /// <param name="array">The array walked.</param>
    /// <param name="cursor">The next time chunk to take.</param>
    /// <param name="count">The number of time chunks of its axis.</param>
    public bool IsDone(DeisaArray array, int cursor, int count) =>
        cursor >= count || (Ended && array.Node.SourceEnd(cursor) > End);
}
