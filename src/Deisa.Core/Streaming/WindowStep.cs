using Deisa.Core.Arrays;

namespace Deisa.Core.Streaming;

/// <summary>What a window callback gets at a step: each window's latest steps, as arrays to compute or persist from.</summary>
/// <remarks>
/// The windows' data stay on the workers until the call returns: compute from the arrays inside the call
/// (<c>await step[0].Mean("t").ComputeAsync()</c>), or persist there what must outlive it.
/// </remarks>
public sealed class WindowStep
{
    private readonly DeisaArray[] _arrays;
    private readonly int[][] _steps;
    private readonly bool[] _new;

    internal WindowStep(int step, DeisaArray[] arrays, int[][] steps, bool[] isNew, CancellationToken cancellation)
    {
        Step = step;
        _arrays = arrays;
        _steps = steps;
        _new = isNew;
        Cancellation = cancellation;
    }

    /// <summary>Gets the simulation step that triggered the call.</summary>
    public int Step { get; }

    /// <summary>Gets one array per window, in the order registered: its latest steps along its time dimension, oldest first (fewer than the window's size in the first steps).</summary>
    public IReadOnlyList<DeisaArray> Arrays => _arrays;

    /// <summary>Gets a window's array (<see cref="Arrays"/>).</summary>
    /// <param name="window">The window's position in the registration.</param>
    /// <returns>The array.</returns>
    public DeisaArray this[int window] => _arrays[window];

    /// <summary>Gets the cancellation of the registration: set when it is disposed or the runtime stops.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Gets the simulation steps a window's array holds, oldest first.</summary>
    /// <param name="window">The window's position in the registration.</param>
    /// <returns>The steps.</returns>
    public IReadOnlyList<int> StepsOf(int window) => _steps[window];

    /// <summary>Gets whether a window got a new step at this call (always, with <see cref="WindowTrigger.All"/>).</summary>
    /// <param name="window">The window's position in the registration.</param>
    /// <returns>True when the window's latest step is <see cref="Step"/>.</returns>
    public bool IsNew(int window) => _new[window];
}
