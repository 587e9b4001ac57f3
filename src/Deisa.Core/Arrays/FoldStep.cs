using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <summary>One time chunk of an array, as a <see cref="TimeFold"/> sees it: its index and the keys of its chunks.</summary>
/// <param name="Index">The time chunk (the step, for an array with a chunk per step along time).</param>
/// <param name="Keys">The keys of every chunk at this time, row-major over the other dimensions.</param>
/// <param name="Chunks">The chunks' indices, in the same order (the time index included).</param>
public sealed record FoldStep(int Index, IReadOnlyList<TaskKey> Keys, IReadOnlyList<int[]> Chunks);
