using CsCheck;
using Deisa.Core.Arrays;

namespace Deisa.Tests.Arrays;

/// <summary>Random shapes, decompositions (equal and unequal), slices and chains of operations give the dense result.</summary>
public sealed class ArrayProperties
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public void RandomSlicesAndOperations_MatchDenseReference()
    {
        Gen.Select(Gen.Int[1, 5], Gen.Int[1, 2], Gen.Int, Gen.Int[0, 3], Gen.Bool).Sample(
            (steps, spatial, seed, operations, serialize) => Check(steps, spatial, seed, operations, serialize),
            iter: 80,
            threads: 1);
    }

    private static void Check(int steps, int spatial, int seed, int operations, bool serialize)
    {
        var random = new Random(seed);
        RandomArrays.Layout layout = RandomArrays.NewLayout(random, steps, spatial);
        ArrayFixture fixture = layout.Start(workers: random.Next(1, 4), serialize: serialize);
        try
        {
            (DeisaArray array, NdArray dense) = RandomArrays.Select(random, fixture.Client.GetArrays()["field"], fixture.Dense());
            for (int o = 0; o < operations && dense.Rank > 0; o++)
            {
                (array, dense) = RandomArrays.Apply(random, array, dense);
            }

            // What the array reads, derived without listing chunks, is exactly the blocks its whole graph reads.
            ArrayLayout blocks = fixture.Client.GetArrays().Layout("field");
            var listed = array.BuildGraph().External.ToHashSet();
            var derived = new HashSet<Deisa.Core.Graph.TaskKey>();
            foreach (SourceRequirement requirement in array.Reads())
            {
                int[][] axes = [.. requirement.Blocks.Select(b => b.Enumerate().ToArray())];
                foreach (int step in requirement.Steps.Enumerate())
                {
                    foreach (int[] position in DeisaArray.ChunkIndices(axes.Select(a => a.Length).ToArray()))
                    {
                        derived.Add(blocks.KeyOf(step, [.. position.Select((p, d) => axes[d][p])]));
                    }
                }
            }

            Assert.True(listed.SetEquals(derived), $"listed [{string.Join(" ", listed.Order())}] derived [{string.Join(" ", derived.Order())}] from {string.Join("; ", array.Reads())}");

            using PersistedArray persisted = array.Persist();
            fixture.Client.ValidateContract();
            fixture.ShipAsync().Wait(s_timeout);
            Dense.AssertClose(dense, persisted.Result(s_timeout), 1e-8);
        }
        finally
        {
            fixture.DisposeAsync().AsTask().Wait(s_timeout);
        }
    }
}
