using Deisa.Core.Graph;

namespace Deisa.Core.Streaming;

/// <summary>
/// The simulation blocks a window callback's call holds, visible to what the call computes: a computation that reads
/// only those needs no interest of its own (a round trip to the scheduler for each call) since the registration's
/// interest already keeps them in the contract and its holds keep them on the workers.
/// </summary>
/// <remarks>
/// Flows with the call's execution context, so work the callback awaits sees it; it stops covering anything when
/// the call returns, so a task the callback left running declares its own interest as any computation does.
/// </remarks>
internal sealed class HeldBlocks(HashSet<TaskKey> keys)
{
    private static readonly AsyncLocal<HeldBlocks?> s_current = new();
    private readonly HashSet<TaskKey> _keys = keys;
    private volatile bool _active = true;

    /// <summary>Makes <paramref name="held"/> the current call's blocks, for the rest of the caller's async method.</summary>
    public static void Enter(HeldBlocks held) => s_current.Value = held;

    /// <summary>Ends the call: nothing is covered from now on, even where the context still flows.</summary>
    public void Exit() => _active = false;

    /// <summary>Gets the blocks of the call running in this context, or null outside a call.</summary>
    public static HeldBlocks? Current => s_current.Value is { _active: true } held ? held : null;

    /// <summary>Gets whether the call still runs: a computation it started after it returned is on its own.</summary>
    public bool InCall => _active;

    /// <summary>Whether the call holds <paramref name="block"/>.</summary>
    public bool Contains(TaskKey block) => _keys.Contains(block);
}
