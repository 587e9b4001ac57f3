using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Ml;
using Deisa.Mpi;

namespace Deisa.MpiTestApp;

/// <summary>
/// Incremental PCA in transit over MPI: simulation ranks publish a [t, Y, X] field with three clear modes along X,
/// the analytics fit it as a chain and as a tree, and compare with dense partial fits of the same batches.
/// </summary>
/// <remarks>Arguments: --grid PYxPX.</remarks>
public static class Ipca
{
    private const int Steps = 8;
    private const int Height = 16;
    private const int Width = 12;

    public static double Value(int t, long y, long x)
    {
        double value = 2 + (0.01 * Hash(t, y, x + 50));
        for (int i = 0; i < 3; i++)
        {
            value += (8.0 / (i + 1)) * Hash(t, y, i) * Math.Cos(Math.PI * (i + 1) * (x + 0.5) / Width);
        }

        return value;
    }

    public static int Run(DeisaSession session, string[] args)
    {
        return session.IsSimulation
            ? GridField.Publish(session, GridField.Grid(args), Steps, Height, Width, Value)
            : session.RunAnalytics(Analyse);
    }

    private static double Hash(int a, long b, long c)
    {
        double s = Math.Sin((a * 12.9898) + (b * 78.233) + (c * 37.719)) * 43758.5453;
        return s - Math.Floor(s) - 0.5;
    }

    private static int Analyse(DeisaClient client)
    {
        DeisaArray field = client.GetArrays()["field"];
        var chain = new InSituIncrementalPCA(3).Fit(field, ["t", "Y", "X"], ["Y"], ["X"]);
        var tree = new InSituIncrementalPCA(3).Fit(field, ["t", "Y", "X"], ["Y"], ["X"], BatchReduction.Tree);
        client.ValidateContract();

        var dense = new InSituIncrementalPCA(3);
        for (int t = 0; t < Steps; t++)
        {
            double[] batch = new double[Height * Width];
            for (int y = 0; y < Height; y++)
            {
                for (int x = 0; x < Width; x++)
                {
                    batch[(y * Width) + x] = Value(t, y, x);
                }
            }

            dense.PartialFit(new NdArray([Height, Width], batch));
        }

        TimeSpan timeout = TimeSpan.FromSeconds(60);
        IncrementalPcaState expected = dense.State!;
        IncrementalPcaState sequential = chain.FittedState.Result(timeout);
        IncrementalPcaState merged = tree.FittedState.Result(timeout);
        double chainError = Math.Max(
            MaxRelative(expected.SingularValues.Data, chain.SingularValues.Result(timeout).Data),
            MaxAbsolute(expected.Components.Data, chain.Components.Result(timeout).Data));
        double treeError = Math.Max(
            MaxRelative(sequential.SingularValues.Data, merged.SingularValues.Data),
            MaxAbsolute(sequential.Components.Data, merged.Components.Data));
        bool seen = chain.NSamplesSeen.Result(timeout) == Steps * Height && merged.NSamplesSeen == Steps * Height;
        Program.Check(chainError <= 1e-12 && seen, "ipca-chain-matches-dense", $"max error {chainError:E2}");
        Program.Check(treeError <= 1e-3, "ipca-tree-matches-chain", $"max error {treeError:E2}");
        return chainError <= 1e-12 && seen && treeError <= 1e-3 ? 0 : 3;
    }

    private static double MaxRelative(double[] expected, double[] actual) =>
        expected.Zip(actual, (e, a) => Math.Abs(a - e) / Math.Max(Math.Abs(e), double.Epsilon)).Max();

    private static double MaxAbsolute(double[] expected, double[] actual) => expected.Zip(actual, (e, a) => Math.Abs(a - e)).Max();
}
