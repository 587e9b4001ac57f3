using Deisa.Mpi.Transport;

namespace Deisa.Tests.Transport;

public sealed class CoreSharingTests
{
    [Theory]
    [InlineData(CoreSharing.Auto, 3, 2, true)]
    [InlineData(CoreSharing.Auto, 2, 2, true)]
    [InlineData(CoreSharing.Auto, 4, 8, false)]
    [InlineData(CoreSharing.Auto, 5, 8, true)]
    [InlineData(CoreSharing.Dedicated, 3, 2, false)]
    [InlineData(CoreSharing.Shared, 1, 64, true)]
    public void SharesCores_RanksOnNodeAgainstCores_GentleWhenThreadsOutnumberCores(CoreSharing setting, int ranks, int cores, bool expected)
    {
        var options = new MpiTransportOptions { CoreSharing = setting };

        Assert.Equal(expected, options.SharesCores(ranks, cores));
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
