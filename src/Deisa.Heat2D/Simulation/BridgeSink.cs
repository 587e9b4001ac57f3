using Deisa.Mpi.Bridge;

namespace Deisa.Heat2D.Simulation;

/// <summary>Publishes through the MPI Bridge: a contracted block goes straight from the field to its worker.</summary>
internal sealed class BridgeSink(Bridge bridge) : IStepSink
{
    public StepPublication Publish(int step, HeatBlock block) =>
        new(bridge.PublishInterior<double>(HeatArrays.Field, step, block.Current, ghost: 1));

    public void Settle() => bridge.WaitForContract();

    public ShippingStatistics Statistics
    {
        get
        {
            BridgeStatistics s = bridge.Statistics;
            return new ShippingStatistics(s.BlocksShipped, s.BlocksSkipped, s.BytesShipped, s.MessagesToScheduler, s.BlockedSeconds, s.PeakStepsInFlight, s.BlocksStaged, s.ContractWaitSeconds, s.BlocksCopied);
        }
    }

    public void Finish() => bridge.Finish();
}
