using System.Threading.Tasks;
using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;
using Deisa.Heat2D.Analytics;
using Deisa.Heat2D.Configuration;
using Deisa.Heat2D.Output;
using Deisa.Heat2D.Simulation;

namespace Deisa.Heat2D.Runs;

/// <summary>
/// Mode posthoc, after the simulation: the same analytics as in transit, on an in-process runtime whose producers
/// read the blocks the simulation wrote, step by step, as the contract asks.
/// </summary>
internal static class PostHocAnalytics
{
    public static AnalyticsResults Run(HeatConfig config, string folder)
    {
        using DeisaRuntime runtime = DeisaRuntime.StartInProcess(HeatJob.Workers(config), new RuntimeOptions { SimulationRanks = config.SimulationRanks, Backpressure = HeatJob.Backpressure(config) });
        Task[] readers = [.. Enumerable.Range(0, config.SimulationRanks).Select(rank => Task.Run(async () =>
        {
            Decomposition place = HeatJob.Place(config, rank);
            using ExternalProducer producer = runtime.CreateProducer();
            producer.DeclareArrays(HeatArrays.Declare(config, place));
            foreach (ContractEntry entry in await producer.WaitForContractAsync(HeatJob.Timeout).ConfigureAwait(false))
            {
                foreach (int step in entry.Steps.Enumerate())
                {
                    double[] block = NpyFile.Read(FileSink.PathOf(folder, step, place.Py, place.Px), out _);
                    await producer.PutAsync(new TaskKey(HeatArrays.Field, step, place.Py, place.Px), block, entry.Worker.Rank).ConfigureAwait(false);
                }
            }

            producer.Finish([]);
        }))];
        return HeatJob.WhileAlive(Task.Run(() => HeatJob.Analyse(config, runtime.Client)), readers);
    }
}
