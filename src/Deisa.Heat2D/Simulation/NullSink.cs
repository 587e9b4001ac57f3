namespace Deisa.Heat2D.Simulation;

/// <summary>Mode none: the simulation alone.</summary>
internal sealed class NullSink : IStepSink
{
    public StepPublication Publish(int step, HeatBlock block) => default;

    public ShippingStatistics Statistics => default;

    public void Finish()
    {
    }
}
