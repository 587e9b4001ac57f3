using System.Globalization;
using Deisa.Tests.Mpi;
using Xunit.Abstractions;

namespace Deisa.Tests.Soak;

/// <summary>
/// The plan over every step costs no memory per step: a run of tens of thousands of steps, with analytics that read
/// every step (a spatial sum per step, a mean and a maximum change over all of time), keeps a live heap that does
/// not grow with the steps. The same run with a planted leak of 64 bytes per step fails the same check, which
/// shows the check can fail.
/// </summary>
/// <remarks>
/// The run is the test app's scenario 'plan-memory', in a process of its own: the live heap is the whole process's,
/// and in the test host other tests' pooled buffers, trimmed at some full collection a minute after their last use,
/// once moved it by a megabyte in the middle of a run and hid the planted leak. 20,000 steps in CI;
/// <c>DEISA_SOAK_STEPS</c> sets another count. The results persisted over time (one double per step for the sums)
/// are allocated whole when the arrays are persisted, so they do not grow either.
/// </remarks>
[Collection(AllocationCollection.Name)]
public sealed class PlanMemoryTests(ITestOutputHelper output)
{
    // The scenario's planted leak, in bytes per step (tests/Deisa.MpiTestApp/PlanMemory.cs).
    private const int PlantedBytesPerStep = 64;

    [Fact]
    public void LongRun_RootHeapDoesNotGrowWithSteps()
    {
        int steps = Flatness.Steps(ci: 20_000);
        IReadOnlyList<long> heap = Run(steps, plantLeak: false);
        Flatness.AssertFlat("Live heap (bytes)", heap, Tolerance(steps));
    }

    /// <summary>
    /// The same run with a window callback over the last three steps that computes a mean at every call: each call
    /// derives arrays with names of their own, which the key-name table interned for ever (about 120 bytes per step)
    /// until generated names stopped being stored.
    /// </summary>
    [Fact]
    public void LongRun_WindowCallbackComputingPerCall_RootHeapDoesNotGrowWithSteps()
    {
        int steps = Flatness.Steps(ci: 20_000);
        IReadOnlyList<long> heap = Run(steps, plantLeak: false, ["--window", "3", "--window-compute"]);
        Flatness.AssertFlat("Live heap (bytes)", heap, Tolerance(steps));
    }

    [Fact]
    public void LongRun_PlantedPerStepLeak_IsCaught()
    {
        int steps = Flatness.Steps(ci: 20_000);
        IReadOnlyList<long> heap = Run(steps, plantLeak: true);
        long growth = Flatness.Growth(heap);
        Assert.True(
            growth > Tolerance(steps),
            $"A leak of {PlantedBytesPerStep} bytes per step grew the heap by only {growth} bytes over {steps} steps, within the tolerance {Tolerance(steps)}: the flatness check would miss it. {string.Join(", ", heap)}");
    }

    /// <summary>
    /// A leak of u bytes per step lifts the last quarter's samples u·n/2 above the second quarter's; a quarter of the
    /// planted leak's growth (16 bytes per step) catches it with margin, far below what the materialised plan cost (about
    /// 2.8 KB per step and block).
    /// </summary>
    private static long Tolerance(int steps) => (long)steps * PlantedBytesPerStep / 4;

    private List<long> Run(int steps, bool plantLeak, string[]? extra = null)
    {
        string[] arguments = [MpiJob.TestApp, "plan-memory", "--steps", steps.ToString(CultureInfo.InvariantCulture), .. plantLeak ? ["--leak"] : Array.Empty<string>(), .. extra ?? []];
        MpiResult result = MpiJob.RunProcess("dotnet", arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"PLAN done steps={steps}"), result.Stdout, StringComparison.Ordinal);
        const string Sample = "PLAN heap=";
        List<long> heap = [.. result.Lines("PLAN").Where(l => l.StartsWith(Sample, StringComparison.Ordinal)).Select(l => long.Parse(l[Sample.Length..], CultureInfo.InvariantCulture))];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"PLAN steps={steps} leak={plantLeak} {string.Join(' ', extra ?? [])} heap first/middle/last {Flatness.Summary(heap)} growth {Flatness.Growth(heap)} tolerance {Tolerance(steps)}"));
        return heap;
    }
}
