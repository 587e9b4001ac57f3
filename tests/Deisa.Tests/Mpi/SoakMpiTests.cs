using System.Globalization;
using System.Text;
using Deisa.Tests.Soak;
using Xunit.Abstractions;

namespace Deisa.Tests.Mpi;

/// <summary>
/// A long run under MPI: two simulation ranks publish a 16x16 block per step, a worker rank of its own sums each
/// step and averages over time, analytics rank 0 schedules. Every rank samples its memory as it goes.
/// </summary>
/// <remarks>2,000 steps in CI (about 7 s); <c>DEISA_SOAK_STEPS=10000</c> runs the long variant.</remarks>
[Collection(MpiCollection.Name)]
public sealed class SoakMpiTests(ITestOutputHelper output)
{
    private const long BlockBytes = 16 * 16 * sizeof(double);

    [Fact]
    public void Sim2_Analytics2_SmallStepsWithAnalytics_MemoryFlatEveryBufferReturned()
    {
        // 2,000 steps: enough for a simulation rank's set of shipped steps (some 25 bytes a step) to stand out of
        // the noise of its heap, which it did before the bridge kept a position instead.
        int steps = Flatness.Steps(ci: 2000);
        TimeSpan timeout = TimeSpan.FromSeconds(120 + (steps / 50));
        MpiResult result = MpiJob.Run(4, timeout, "soak", "--steps", steps.ToString(CultureInfo.InvariantCulture), "--analytics", "2");
        output.WriteLine(string.Join('\n', result.Lines("SOAK").Concat(result.Lines("SAMPLE")).Concat(result.Lines("FINAL")).Concat(result.Lines("ELAPSED"))));

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(3);
        // SAMPLE role=worker rank=3 step=25 heap=…: grouped by role and rank, in step order.
        Dictionary<string, List<Dictionary<string, long>>> series = result.Lines("SAMPLE")
            .GroupBy(l => $"{l.Split(' ')[1]["role=".Length..]} {Fields(l)["rank"]}")
            .ToDictionary(g => g.Key, g => g.Select(Fields).OrderBy(f => f["step"]).ToList());
        Assert.Equal(["root 2", "sim 0", "sim 1", "worker 3"], series.Keys.Order(StringComparer.Ordinal));
        Assert.All(series.Values, s => Assert.Equal(40, s.Count));

        // A leak of one block (one buffer, one stored value, one message) per step would exceed these.
        long perStep = steps / 4;
        foreach ((string who, List<Dictionary<string, long>> samples) in series)
        {
            AssertFlat(who, samples, "heap", perStep * BlockBytes);
            AssertFlat(who, samples, "pool_out", perStep);
            AssertFlat(who, samples, "pool_bytes", perStep * BlockBytes);
            AssertFlat(who, samples, "messages_out", perStep);
        }

        // A simulation rank keeps nothing per step, and its heap moves by a few kilobytes at most: 16 bytes per step,
        // less than one key, is enough to see bookkeeping that grows with the steps (a set of the shipped steps did).
        foreach (string sim in (string[])["sim 0", "sim 1"])
        {
            AssertFlat(sim, series[sim], "heap", Math.Max(32 * 1024, perStep * 16));
        }

        AssertFlat("worker 3", series["worker 3"], "stored", perStep);
        AssertFlat("worker 3", series["worker 3"], "stored_bytes", perStep * BlockBytes);

        // The graph is built a window of steps at a time and forgotten behind it: the scheduler's keys stay flat, and
        // never exceed a few windows' worth.
        long graphTasks = Fields(result.Lines("SOAK").Single())["graph_tasks"];
        AssertFlat("root 2", series["root 2"], "scheduler_keys", perStep);
        foreach (Dictionary<string, long> sample in series["root 2"])
        {
            Assert.True(
                sample["scheduler_keys"] <= Flatness.WindowKeysBound(graphTasks),
                $"After step {sample["step"]} the scheduler knows {sample["scheduler_keys"]} keys; the first window (step 0) had {graphTasks}.");
        }

        // Once the session has ended, every rank got back every pooled buffer and every message.
        Dictionary<string, long>[] finals = [.. result.Lines("FINAL").Select(Fields).OrderBy(f => f["rank"])];
        Assert.Equal([0L, 1, 2, 3], finals.Select(f => f["rank"]));
        foreach (Dictionary<string, long> final in finals)
        {
            string line = Describe(final);
            Assert.True(final["pool_out"] == 0 && final["pool_bytes"] == 0, $"Pooled buffers still out after the session ended: {line}");
            Assert.True(final["messages_out"] == 0, $"Messages never returned to their pools: {line}");
            Assert.True(final["pool_rented"] > 0, $"The rank rented nothing, so the check above says nothing: {line}");
        }
    }

    private static void AssertFlat(string who, List<Dictionary<string, long>> samples, string field, long tolerance) =>
        Flatness.AssertFlat($"{field} on {who}", [.. samples.Select(s => s[field])], tolerance);

    /// <summary>The numeric key=value fields of a line.</summary>
    private static Dictionary<string, long> Fields(string line) => line.Split(' ')
        .Skip(1)
        .Select(f => f.Split('='))
        .Where(f => f.Length == 2 && long.TryParse(f[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        .ToDictionary(f => f[0], f => long.Parse(f[1], CultureInfo.InvariantCulture));

    private static string Describe(Dictionary<string, long> fields)
    {
        var text = new StringBuilder();
        foreach ((string key, long value) in fields)
        {
            text.Append(CultureInfo.InvariantCulture, $"{key}={value} ");
        }

        return text.ToString().TrimEnd();
    }
}
