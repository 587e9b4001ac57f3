using Deisa.Core.Protocol;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;

namespace Deisa.Tests.Scheduling;

public sealed class SchedulerHostTests
{
    [Fact]
    public async Task MessageFromStranger_ReportedAsFault_LoopStops()
    {
        await using var transport = new InProcessTransport();
        Mailbox stranger = transport.Open(EndpointId.Producer(9));
        var faulted = new TaskCompletionSource<Exception>();
        var state = new SchedulerState(EndpointId.Client(0), [EndpointId.Worker(0)]);
        var host = new SchedulerHost(transport.Open(EndpointId.Scheduler(0)), state, validate: true, e => faulted.TrySetResult(e));
        host.Start();

        TaskFinished bogus = TaskFinished.Rent();
        bogus.Key = "k";
        stranger.Send(EndpointId.Scheduler(0), bogus);

        Exception error = await faulted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("producer@9", error.Message, StringComparison.Ordinal);
        await host.StopAsync().WaitAsync(TimeSpan.FromSeconds(10));
        stranger.Dispose();
    }
}
