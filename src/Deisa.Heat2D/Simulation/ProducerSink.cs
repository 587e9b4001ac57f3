using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Heat2D.Simulation;

/// <summary>
/// Publishes through an in-process producer (every rank in one process): the contracted blocks are copied and put
/// on their worker, the others cost nothing.
/// </summary>
internal sealed class ProducerSink : IStepSink
{
    private readonly ExternalProducer _producer;
    private readonly Decomposition _place;
    private readonly TimeSpan _contractTimeout;
    private Dictionary<int, int>? _workerOfStep;
    private long _shipped;
    private long _skipped;
    private long _bytes;

    public ProducerSink(ExternalProducer producer, ArrayDeclaration declaration, Decomposition place, TimeSpan contractTimeout)
    {
        _producer = producer;
        _place = place;
        _contractTimeout = contractTimeout;
        producer.DeclareArrays(declaration);
    }

    public StepPublication Publish(int step, HeatBlock block)
    {
        // Synchronously, as the Bridge does with staging off: the first step waits for the contract, and the block is
        // copied before the simulation iterates again.
        _workerOfStep ??= ContractAsync().GetAwaiter().GetResult();
        if (!_workerOfStep.TryGetValue(step, out int worker))
        {
            _skipped++;
            return default;
        }

        double[] interior = new double[block.Rows * block.Cols];
        block.CopyInterior(interior);
        _shipped++;
        _bytes += interior.Length * sizeof(double);
        return new(_producer.PutAsync(new TaskKey(HeatArrays.Field, step, _place.Py, _place.Px), interior, worker));
    }

    public ShippingStatistics Statistics => new(_shipped, _skipped, _bytes, 0);

    public void Finish() => _producer.Finish([]);

    private async Task<Dictionary<int, int>> ContractAsync()
    {
        var steps = new Dictionary<int, int>();
        foreach (ContractEntry entry in await _producer.WaitForContractAsync(_contractTimeout).ConfigureAwait(false))
        {
            foreach (int step in entry.Steps.Enumerate())
            {
                steps[step] = entry.Worker.Rank;
            }
        }

        return steps;
    }
}
