using Deisa.Core.Arrays;
using Deisa.Ml;

namespace Deisa.Tests.Ml;

/// <summary>Comparisons with relative or absolute tolerances that name what differs.</summary>
internal static class PcaAssert
{
    public static void Relative(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            double scale = Math.Max(Math.Abs(expected[i]), double.Epsilon);
            double error = Math.Abs(actual[i] - expected[i]) / scale;
            Assert.True(error <= tolerance, $"{what}[{i}]: {actual[i]:R} vs {expected[i]:R}, relative error {error:E2} > {tolerance:E0}.");
        }
    }

    public static void Absolute(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}.");
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(actual[i] - expected[i]);
            Assert.True(error <= tolerance, $"{what}[{i}]: {actual[i]:R} vs {expected[i]:R}, error {error:E2} > {tolerance:E0}.");
        }
    }

    /// <summary>Everything a state holds against another, within the given relative (spectrum) and absolute (components) tolerances.</summary>
    public static void SameState(IncrementalPcaState expected, IncrementalPcaState actual, double spectrum, double components, string what)
    {
        Assert.Equal(expected.NSamplesSeen, actual.NSamplesSeen);
        Relative(expected.SingularValues.Data, actual.SingularValues.Data, spectrum, $"{what} singular values");
        Relative(expected.ExplainedVariance.Data, actual.ExplainedVariance.Data, spectrum, $"{what} explained variance");
        Relative(expected.ExplainedVarianceRatio.Data, actual.ExplainedVarianceRatio.Data, spectrum, $"{what} explained variance ratio");
        Absolute(expected.Components.Data, actual.Components.Data, components, $"{what} components");
        Relative(expected.Mean.Data, actual.Mean.Data, 1e-10, $"{what} mean");
        Relative(expected.Var.Data, actual.Var.Data, 1e-10, $"{what} var");
    }

    public static double Norm(ReadOnlySpan<double> values)
    {
        double sum = 0;
        foreach (double v in values)
        {
            sum += v * v;
        }

        return Math.Sqrt(sum);
    }

    public static NdArray Row(NdArray matrix, int row) =>
        new([matrix.Shape[1]], matrix.Data.AsSpan(row * matrix.Shape[1], matrix.Shape[1]).ToArray());
}
