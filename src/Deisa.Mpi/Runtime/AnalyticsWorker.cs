using System.Threading.Tasks;
using Deisa.Core.Client;
using Deisa.Core.Execution;
using Deisa.Mpi.Native;
using Deisa.Mpi.Transport;

namespace Deisa.Mpi.Runtime;

/// <summary>An analytics rank other than 0: a worker until analytics rank 0 closes it.</summary>
internal sealed class AnalyticsWorker : IAsyncDisposable
{
    private readonly AnalyticsHost _host;
    private readonly int _rank;

    public AnalyticsWorker(MpiTransport transport, JobLayout layout, DeisaMpiOptions options, int rank)
    {
        _rank = rank;
        _host = new AnalyticsHost(transport, layout.PlacementOf(rank), options.Analytics, OnFault);
        _host.Start();
    }

    /// <summary>Gets the worker.</summary>
    public WorkerHost Host => _host.Workers[0];

    /// <summary>Runs until the scheduler closes this rank's worker.</summary>
    public Task RunUntilClosedAsync() => _host.WorkersClosed;

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private void OnFault(Exception error)
    {
        MpiApi.AbortJob($"deisa: world rank {_rank}: fatal: the worker failed: {error}", 1);
    }
}
