using System.Diagnostics;
using System.Globalization;

namespace Deisa.Tests;

/// <summary>
/// Runs fuzz cases with a fixed seed on a thread of their own: each case gets its own <see cref="Random"/> derived
/// from the seed and its index, so a failure names both and replays alone; a case that runs too long fails, and one
/// that never returns fails the test instead of hanging it.
/// </summary>
internal static class FuzzRun
{
    /// <summary>Set to a number of cases to run a longer fuzz than the default (opt-in).</summary>
    public const string IterationsVariable = "DEISA_FUZZ_ITERATIONS";

    /// <summary>Set to replace the fixed seed, to explore other inputs or to replay a reported failure.</summary>
    public const string SeedVariable = "DEISA_FUZZ_SEED";

    /// <summary>The longest one case may take: a guard against hangs, not a speed assertion.</summary>
    public static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(1);

    // A case still running after this long is a hang: report it rather than wait for it.
    private static readonly TimeSpan s_hangLimit = TimeSpan.FromSeconds(10);

    /// <summary>Gets the number of cases: <see cref="IterationsVariable"/> when set, else <paramref name="defaultCount"/>.</summary>
    public static int Iterations(int defaultCount) =>
        int.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int count) && count > 0
            ? count
            : defaultCount;

    /// <summary>Gets the seed: <see cref="SeedVariable"/> when set, else <paramref name="fixedSeed"/>.</summary>
    public static int Seed(int fixedSeed) =>
        int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int seed)
            ? seed
            : fixedSeed;

    /// <summary>Runs cases 0 to <paramref name="count"/> - 1; <paramref name="check"/> throws to fail one.</summary>
    /// <param name="what">What is fuzzed, for the failure message.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="count">The number of cases.</param>
    /// <param name="check">Builds case i from its random source and checks it.</param>
    public static void Run(string what, int seed, int count, Action<int, Random> check)
    {
        int current = -1;
        long startedAt = Stopwatch.GetTimestamp();
        Exception? failure = Guarded(what, () =>
        {
            for (int i = 0; i < count; i++)
            {
                long start = Stopwatch.GetTimestamp();
                Volatile.Write(ref startedAt, start);
                Volatile.Write(ref current, i);
                check(i, new Random(CaseSeed(seed, i)));
                TimeSpan elapsed = Stopwatch.GetElapsedTime(start);
                if (elapsed > CaseLimit)
                {
                    throw new TimeoutException($"the case took {elapsed.TotalMilliseconds:F0} ms (limit {CaseLimit.TotalMilliseconds:F0} ms).");
                }
            }
        }, () => Stopwatch.GetElapsedTime(Volatile.Read(ref startedAt)) > s_hangLimit);
        if (failure is not null)
        {
            Assert.Fail($"{what}: case {Volatile.Read(ref current)} of seed {seed} failed (replay with {SeedVariable}={seed}): {failure}");
        }
    }

    /// <summary>Runs <paramref name="action"/> on its own thread and fails if it takes longer than <paramref name="limit"/>.</summary>
    /// <param name="what">What runs, for the failure message.</param>
    /// <param name="limit">The longest it may take.</param>
    /// <param name="action">The work; throws to fail.</param>
    public static void WithinTime(string what, TimeSpan limit, Action action)
    {
        long start = Stopwatch.GetTimestamp();
        Exception? failure = Guarded(what, action, () => Stopwatch.GetElapsedTime(start) > limit);
        if (failure is not null)
        {
            Assert.Fail($"{what} failed: {failure}");
        }
    }

    private static Exception? Guarded(string what, Action action, Func<bool> hung)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                action();
            }
            catch (Exception error)
            {
                failure = error;
            }
        })
        {
            IsBackground = true,
            Name = "fuzz " + what,
        };
        thread.Start();
        while (!thread.Join(TimeSpan.FromMilliseconds(100)))
        {
            if (hung())
            {
                // A background thread cannot be stopped, but it no longer holds the test run.
                return new TimeoutException($"{what} is still running: a hang.");
            }
        }

        return failure;
    }

    private static int CaseSeed(int seed, int index) => unchecked((seed * 1_000_003) + index);
}
