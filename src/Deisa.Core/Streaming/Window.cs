using Deisa.Core.Arrays;

namespace Deisa.Core.Streaming;

/// <summary>
/// The last <see cref="Size"/> steps of an array, for a window callback (<see cref="Client.DeisaClient.RegisterAsync"/>):
/// deisa-dask's <c>Window("temperature", 2)</c>.
/// </summary>
/// <remarks>
/// The array may be a selection of a simulation array (<c>arrays["temperature"][Slice.Every(10), ..64, ..]</c>: every
/// 10th step of the first 64 rows) or any array computed from simulation arrays whose time index reads the step at
/// that index: only what it reads enters the contract. Its steps are those of its time dimension: with a stride of 10,
/// a window of 3 holds 3 of every 10th step.
/// </remarks>
public sealed class Window
{
    /// <summary>Creates a window.</summary>
    /// <param name="array">The array; it must have a time dimension.</param>
    /// <param name="size">How many of the latest steps the callback gets, at least 1 (1: the new step alone).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="size"/> is 0 or negative.</exception>
    /// <exception cref="ArgumentException"><paramref name="array"/> has no time dimension.</exception>
    public Window(DeisaArray array, int size)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (size < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, $"A window of {size} steps over {array}: expected 1 or more (1 gives the callback each new step alone).");
        }

        if (array.TimeDimension < 0)
        {
            throw new ArgumentException($"{array} has no time dimension, and a window slides along time: window an array that still has its steps (reduce over time inside the callback).", nameof(array));
        }

        Array = array;
        Size = size;
    }

    /// <summary>Gets the array.</summary>
    public DeisaArray Array { get; }

    /// <summary>Gets how many of the latest steps the callback gets.</summary>
    public int Size { get; }

    /// <summary>Describes the window.</summary>
    /// <returns>The array and the size.</returns>
    public override string ToString() => $"Window({Array}, {Size})";
}

/// <summary>When a window callback over several arrays runs.</summary>
public enum WindowTrigger
{
    /// <summary>At each step every window's array has (deisa-dask's <c>when="AND"</c>): arrays read at different strides trigger at the steps they share.</summary>
    All,

    /// <summary>
    /// At each step any window's array has, once every one has had a step (deisa-dask's <c>when="OR"</c>): the others
    /// give their latest steps.
    /// </summary>
    Any,
}

/// <summary>What a failing window callback does to the run.</summary>
public enum CallbackErrorPolicy
{
    /// <summary>The registration fails with a <see cref="WindowCallbackException"/> naming the callback, the step and the exception (the default): waiting on it throws, and the analytics end.</summary>
    Stop,

    /// <summary>The failure is reported (<see cref="WindowCallbackOptions.OnSkipped"/>) and the next step runs.</summary>
    Skip,
}

/// <summary>How a window callback runs.</summary>
public sealed class WindowCallbackOptions
{
    /// <summary>Gets or sets the callback's name in messages; <c>callback</c> when null.</summary>
    public string? Name { get; set; }

    /// <summary>Gets or sets when a callback over several arrays runs.</summary>
    public WindowTrigger Trigger { get; set; } = WindowTrigger.All;

    /// <summary>Gets or sets what a failing callback, or a step whose data never comes, does to the run.</summary>
    public CallbackErrorPolicy OnError { get; set; } = CallbackErrorPolicy.Stop;

    /// <summary>
    /// Gets or sets how many calls may run at once, started in step order (1, the default: each call sees the previous
    /// one finished). The steps of every running call's windows stay on the workers until it returns.
    /// </summary>
    public int MaxConcurrency { get; set; } = 1;

    /// <summary>Gets or sets what is told of a step skipped under <see cref="CallbackErrorPolicy.Skip"/>; a line on standard error when null.</summary>
    public Action<WindowCallbackException>? OnSkipped { get; set; }

    internal void Validate()
    {
        if (MaxConcurrency < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrency), MaxConcurrency, "At least 1 call of a window callback must be allowed to run at once.");
        }
    }
}
