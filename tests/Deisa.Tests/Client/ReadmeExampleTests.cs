using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Tests.Client;

/// <summary>The README's example, verbatim, so the documentation cannot drift from the API.</summary>
public sealed class ReadmeExampleTests
{
    [Fact]
    public async Task ReadmeExample_Runs()
    {
        var ops = new OperationRegistry();                       // the same registrations on every rank
        Operation blockSum = ops.Register("block-sum", static (TaskArguments a) =>
        {
            double s = 0;
            foreach (double x in a.GetSpan<double>(0)) { s += x; }
            return s;
        }, minArgs: 1, maxArgs: 1);

        await using DeisaRuntime runtime = DeisaRuntime.StartInProcess(workers: 2, new RuntimeOptions { Operations = ops });
        DeisaClient client = runtime.Client;

        // The analytics: declared before the data exists.
        TaskKey block = ("global_t", 0, 0, 0);                   // (array, step, block row, block column)
        client.CreateExternal([block]);
        using Future<double> sum = client.Submit<double>(("sum", 0), TaskSpec.Create(blockSum, block));

        // The simulation's side: put the data under the external key, on a chosen worker.
        using ExternalProducer producer = runtime.CreateProducer();
        await producer.PutCopyAsync<double>(block, [1, 2, 3], worker: 0);

        Assert.Equal(6.0, await sum);
    }
}
