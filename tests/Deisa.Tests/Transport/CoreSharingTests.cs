using System.Globalization;
using Deisa.Mpi;
using Deisa.Mpi.Transport;

namespace Deisa.Tests.Transport;

public sealed class CoreSharingTests
{
    /// <summary>Each rank's CPUs as a list (<c>0-3</c>, <c>5</c>, <c>0-1,8-9</c>), on a node of 128 CPUs.</summary>
    private static CoreLayout Layout(int me, params string[] cpus) =>
        CoreLayout.From([.. cpus.Select(Mask)], me);

    private static ulong[] Mask(string cpus)
    {
        ulong[] mask = new ulong[2];
        foreach (string range in cpus.Split(','))
        {
            string[] ends = range.Split('-');
            int first = int.Parse(ends[0], CultureInfo.InvariantCulture);
            int last = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            for (int cpu = first; cpu <= last; cpu++)
            {
                mask[cpu / 64] |= 1UL << (cpu % 64);
            }
        }

        return mask;
    }

    private static string[] Repeat(int ranks, string cpus) => [.. Enumerable.Repeat(cpus, ranks)];

    private static string[] Bound(int ranks, int coresEach) =>
        [.. Enumerable.Range(0, ranks).Select(r => $"{r * coresEach}-{((r + 1) * coresEach) - 1}")];

    public static TheoryData<string, string[], int, int, int, int, bool> Layouts => new()
    {
        // Unbound: every rank may run anywhere on the node, so all of them compete for all of its cores.
        { "3 ranks on 2 cores", Repeat(3, "0-1"), 2, 2, 3, 2, true },
        { "2 ranks on 2 cores", Repeat(2, "0-1"), 2, 2, 2, 2, true },
        { "4 ranks on 8 cores", Repeat(4, "0-7"), 8, 8, 4, 8, false },
        { "5 ranks on 8 cores", Repeat(5, "0-7"), 8, 8, 5, 8, true },

        // Bound: a rank competes only with the ranks whose masks meet its own. The node's rank count against one
        // rank's mask (the rule before) called every one of these shared.
        { "16 ranks bound to 4 cores each", Bound(16, 4), 64, 4, 1, 4, false },
        { "32 ranks bound to a core's 2 hardware threads each", Bound(32, 2), 64, 2, 1, 2, false },
        { "a rank bound beyond CPU 64", [.. Bound(16, 4), "64-71", "72-79"], 80, 4, 1, 4, false },

        // Bound to one CPU: the rank's own compute and communication threads share it.
        { "2 ranks bound to 1 core each", Bound(2, 1), 2, 1, 1, 1, true },
    };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void From_CountsTheRanksThatMeetThisRanksCores_SharedWhenTheirThreadsOutnumberThem(
        string layout, string[] cpus, int coresOnNode, int cores, int sharing, int coresShared, bool shared)
    {
        CoreLayout first = Layout(0, cpus);

        Assert.True(cpus.Length == first.RanksOnNode, layout);
        Assert.Equal((coresOnNode, cores, sharing, coresShared), (first.CoresOnNode, first.Cores, first.RanksSharing, first.CoresShared));
        Assert.Equal(shared, first.ThreadsOutnumberCores);
        Assert.Equal(shared, new MpiTransportOptions { CoreSharing = CoreSharing.Auto }.SharesCores(first));
    }

    [Fact]
    public void From_BoundAndUnboundRanksMixed_EachCountsWhoMayRunOnItsCores()
    {
        string[] cpus = ["0", "1", "2", "3", "0-7"];

        CoreLayout bound = Layout(0, cpus);
        CoreLayout unbound = Layout(4, cpus);

        // The bound rank meets only the unbound one, which may run on 8 cores: 4 threads on 8.
        Assert.Equal((5, 8, 1, 2, 8), (bound.RanksOnNode, bound.CoresOnNode, bound.Cores, bound.RanksSharing, bound.CoresShared));
        Assert.False(bound.ThreadsOutnumberCores);

        // The unbound rank meets them all: 10 threads on 8 cores.
        Assert.Equal((8, 5, 8), (unbound.Cores, unbound.RanksSharing, unbound.CoresShared));
        Assert.True(unbound.ThreadsOutnumberCores);
    }

    [Theory]
    [InlineData(CoreSharing.Dedicated, true, false)]
    [InlineData(CoreSharing.Shared, false, true)]
    public void SharesCores_SettingOtherThanAuto_OverridesTheLayout(CoreSharing setting, bool outnumbered, bool expected)
    {
        CoreLayout layout = outnumbered ? Layout(0, Repeat(3, "0-1")) : Layout(0, Bound(16, 4));

        Assert.Equal(outnumbered, layout.ThreadsOutnumberCores);
        Assert.Equal(expected, new MpiTransportOptions { CoreSharing = setting }.SharesCores(layout));
    }

    [Fact]
    public void ToString_SaysRanksCoresAndWhoShares()
    {
        Assert.Equal("16 ranks on the node's 64 cores; this one may use 4, alone", Layout(3, Bound(16, 4)).ToString());
        Assert.Equal("3 ranks on the node's 2 cores; this one may use all 2, shared with 2 other ranks", Layout(0, Repeat(3, "0-1")).ToString());
        Assert.Equal("2 ranks on the node's 8 cores; this one may use all 8, shared with 1 other rank", Layout(1, Repeat(2, "0-7")).ToString());
    }

    [Fact]
    public void Resolve_SharedCores_NoSpinAndSlowerWarmPolls_OriginalUntouched()
    {
        var options = new MpiTransportOptions { SharedWarmPollInterval = TimeSpan.FromMicroseconds(300) };
        TimeSpan busy = options.BusyWindow;

        MpiTransportOptions gentle = options.Resolve(sharedCores: true);

        Assert.NotSame(options, gentle);
        Assert.Equal(TimeSpan.Zero, gentle.BusyWindow);
        Assert.Equal(TimeSpan.FromMicroseconds(300), gentle.WarmPollInterval);
        Assert.Equal(busy, options.BusyWindow);
        Assert.Same(options, options.Resolve(sharedCores: false));
    }
}
