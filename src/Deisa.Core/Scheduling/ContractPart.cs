using Deisa.Core.Arrays;

namespace Deisa.Core.Scheduling;

/// <summary>What the contract asks of one block position of one array: the steps, and which producer ships them.</summary>
/// <param name="Layout">The array.</param>
/// <param name="Block">The block indices.</param>
/// <param name="Producer">The simulation rank that publishes this block.</param>
/// <param name="Steps">The steps it ships.</param>
internal sealed record ContractPart(ArrayLayout Layout, int[] Block, int Producer, StepSet Steps);
