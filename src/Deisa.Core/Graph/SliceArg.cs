namespace Deisa.Core.Graph;

/// <summary>A half-open range with a step, as a plain task argument.</summary>
/// <param name="Start">The first index.</param>
/// <param name="Stop">One past the last index.</param>
/// <param name="Step">The stride, not zero.</param>
public readonly record struct SliceArg(long Start, long Stop, long Step);
