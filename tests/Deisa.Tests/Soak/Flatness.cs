using System.Globalization;

namespace Deisa.Tests.Soak;

/// <summary>Checks that a sampled series (memory, counts) does not grow over a long run.</summary>
internal static class Flatness
{
    /// <summary>The number of steps of a soak run: <c>DEISA_SOAK_STEPS</c> when set (the long, opt-in variant), else <paramref name="ci"/>.</summary>
    public static int Steps(int ci)
    {
        string? value = Environment.GetEnvironmentVariable("DEISA_SOAK_STEPS");
        return string.IsNullOrEmpty(value) ? ci : int.Parse(value, CultureInfo.InvariantCulture);
    }

    /// <summary>The median of the last quarter of the samples minus the median of the second quarter.</summary>
    /// <remarks>
    /// The first quarter is left out: it holds the warm-up (JIT tiers, pools and tables filling up to their working
    /// size), which once lifted a flat run's live heap by 390 KB in its first half and then stayed. Medians leave out
    /// the lone samples taken while more than usual was in flight.
    /// </remarks>
    public static long Growth(IReadOnlyList<long> series)
    {
        int quarter = Math.Max(1, series.Count / 4);
        return Median(series.Skip(series.Count - quarter)) - Median(series.Skip(quarter).Take(quarter));
    }

    /// <summary>
    /// Asserts that <paramref name="series"/>, sampled at regular steps, does not grow by more than
    /// <paramref name="tolerance"/> from its second quarter to its last.
    /// </summary>
    /// <remarks>
    /// A leak of u per step, over a run of n steps, puts the median of the last quarter (at step 7n/8) u·n/2 above
    /// that of the second quarter (at step 3n/8), so a tolerance of u·n/4 catches it with margin while bounded
    /// fluctuations stay well below it.
    /// </remarks>
    public static void AssertFlat(string what, IReadOnlyList<long> series, long tolerance)
    {
        Assert.True(series.Count >= 8, $"{what}: only {series.Count} samples; a flatness check needs at least 8.");
        long growth = Growth(series);
        Assert.True(
            growth <= tolerance,
            $"{what} grew by {growth} from the second quarter of the run to the last (tolerance {tolerance}): {string.Join(", ", series)}");
    }

    private static long Median(IEnumerable<long> values)
    {
        long[] sorted = [.. values.Order()];
        return sorted[sorted.Length / 2];
    }

    /// <summary>
    /// The most keys a windowed run's scheduler may hold, from the keys of its first window: before any data that window
    /// reaches step 0 only, a window reaches the default lookahead's steps past the latest arrival, and four windows'
    /// worth bound what is in flight (at least 64, for runs too small for that to mean anything).
    /// </summary>
    public static long WindowKeysBound(long firstWindowKeys) =>
        Math.Max(64, 4L * (new Deisa.Core.Client.ClientOptions().Lookahead + 1L) * firstWindowKeys);

    /// <summary>The bytes reachable now: a full blocking collection first, so that garbage does not count.</summary>
    public static long LiveHeap()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    /// <summary>The first, middle and last samples of a series, for reports.</summary>
    public static string Summary(IReadOnlyList<long> series) =>
        series.Count == 0 ? "(none)" : string.Create(CultureInfo.InvariantCulture, $"{series[0]} / {series[series.Count / 2]} / {series[^1]}");
}
