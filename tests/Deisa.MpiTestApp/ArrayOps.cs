using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Mpi;

namespace Deisa.MpiTestApp;

/// <summary>
/// One family of array operations over MPI: simulation ranks publish a [t, Y, X] field on a 2D process grid (unequal
/// blocks), the analytics compute with <see cref="DeisaArray"/> and check against the formula that fills the field.
/// </summary>
/// <remarks>Arguments: --family slice|elementwise|reduce|diff|concat, --grid PYxPX.</remarks>
public static class ArrayOps
{
    private const int Steps = 6;
    private const int Height = 11;
    private const int Width = 7;

    public static int Run(DeisaSession session, string[] args)
    {
        string family = Program.Arg(args, "--family", "slice");
        return session.IsSimulation
            ? GridField.Publish(session, GridField.Grid(args), Steps, Height, Width, Coupling.Value)
            : session.RunAnalytics(client => Analyse(client, family));
    }

    private static int Analyse(DeisaClient client, string family)
    {
        DeisaArray field = client.GetArrays()["field"];
        var dense = new NdArray([Steps, Height, Width], new double[Steps * Height * Width]);
        for (int t = 0; t < Steps; t++)
        {
            for (int y = 0; y < Height; y++)
            {
                for (int x = 0; x < Width; x++)
                {
                    dense.Data[(((t * Height) + y) * Width) + x] = Coupling.Value(t, y, x);
                }
            }
        }

        (DeisaArray Result, Func<int[], double> Expected) pair = family switch
        {
            // Every other step, rows 3 to 8 by 2, column 5 (dropped).
            "slice" => (field[Slice.Every(2), Slice.Of(3..9, 2), 5], new Func<int[], double>(p => dense[2 * p[0], 3 + (2 * p[1]), 5])),
            "elementwise" => (((field * 2.0) + field[.., .., ..]) / (field - 10.0 + 20.0), p => 3 * dense[p] / (dense[p] + 10)),
            "reduce" => (field.Std("t") + field.Mean("t"), p => Std(dense, p[0], p[1]) + Mean(dense, p[0], p[1])),
            "diff" => (field.Diff("t").Sum("Y"), p => Enumerable.Range(0, Height).Sum(y => dense[p[0] + 1, y, p[1]] - dense[p[0], y, p[1]])),
            "concat" => (DeisaArray.Concatenate("t", field[^1.., .., ..], field[..1, .., ..]).Rechunk("Y", 4).Max("X"),
                p => Enumerable.Range(0, Width).Max(x => dense[p[0] == 0 ? Steps - 1 : 0, p[1], x])),
            _ => throw new ArgumentException($"Unknown family '{family}'."),
        };
        (DeisaArray result, Func<int[], double> expected) = pair;
        using PersistedArray persisted = result.Persist();
        client.ValidateContract();
        NdArray actual = persisted.Result(TimeSpan.FromSeconds(60));
        bool ok = actual.Shape.SequenceEqual(result.Shape.Select(s => (int)s));
        foreach (int[] position in Positions(actual.Shape))
        {
            double want = expected(position);
            ok &= Math.Abs(actual[position] - want) <= 1e-9 * Math.Max(1, Math.Abs(want));
        }

        Program.Check(ok, $"array-{family}", $"shape [{string.Join(", ", actual.Shape)}]");
        return ok ? 0 : 3;
    }

    private static double Mean(NdArray dense, int y, int x) => Enumerable.Range(0, Steps).Average(t => dense[t, y, x]);

    private static double Std(NdArray dense, int y, int x)
    {
        double mean = Mean(dense, y, x);
        return Math.Sqrt(Enumerable.Range(0, Steps).Sum(t => Math.Pow(dense[t, y, x] - mean, 2)) / Steps);
    }

    private static IEnumerable<int[]> Positions(int[] shape)
    {
        int count = shape.Aggregate(1, (a, b) => a * b);
        for (int i = 0; i < count; i++)
        {
            int[] position = new int[shape.Length];
            int rest = i;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                position[d] = rest % shape[d];
                rest /= shape[d];
            }

            yield return position;
        }
    }
}
