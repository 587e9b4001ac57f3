using System.Threading.Tasks;

namespace Deisa.Heat2D.Simulation;

/// <summary>Mode none: the simulation alone.</summary>
internal sealed class NullSink : IStepSink
{
    public Task Publish(int step, HeatBlock block) => Task.CompletedTask;

    public ShippingStatistics Statistics => default;

    public void Finish()
    {
    }
}
