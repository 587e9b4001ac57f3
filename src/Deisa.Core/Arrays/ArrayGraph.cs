using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <summary>The tasks behind a <see cref="DeisaArray"/>, as <see cref="DeisaArray.BuildGraph"/> gives them.</summary>
/// <param name="Tasks">The tasks computing the chunks, culled to what they need.</param>
/// <param name="Chunks">The chunk keys, row-major over the chunk grid.</param>
/// <param name="External">The keys read but computed by no task: simulation blocks to declare external.</param>
public sealed record ArrayGraph(TaskGraph Tasks, IReadOnlyList<TaskKey> Chunks, IReadOnlyList<TaskKey> External);
