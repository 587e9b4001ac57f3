using System.Threading.Tasks;
using Deisa.Core.Client;
using Deisa.Core.Execution;
using Deisa.Core.Scheduling;
using Deisa.Core.Transport;
using Deisa.Mpi.Native;
using Deisa.Mpi.Transport;

namespace Deisa.Mpi.Runtime;

/// <summary>Analytics rank 0: the scheduler, the client, the user's analytics and possibly a worker.</summary>
internal sealed class AnalyticsRoot : IAsyncDisposable
{
    private readonly JobLayout _layout;
    private readonly DeisaMpiOptions _options;
    private readonly AnalyticsHost _host;
    private readonly SchedulerHost _scheduler;
    private readonly DeisaClient _client;
    private readonly MpiTransport _transport;

    public AnalyticsRoot(MpiTransport transport, JobLayout layout, DeisaMpiOptions options)
    {
        _layout = layout;
        _options = options;
        _transport = transport;
        _host = new AnalyticsHost(transport, layout.PlacementOf(layout.AnalyticsRoot), options.Analytics, OnFault);
        _scheduler = _host.Scheduler!;
        _client = _host.Client!;
        _host.Start();
    }

    /// <summary>Gets the worker this rank runs beside the scheduler, if it runs one.</summary>
    public WorkerHost? Worker => _host.Workers.Count > 0 ? _host.Workers[0] : null;

    /// <summary>Gets the bytes this rank's runtime message loops had allocated, as <see cref="AnalyticsHost.LoopsAllocatedBytes"/>.</summary>
    public long LoopsAllocatedBytes => _host.LoopsAllocatedBytes;

    /// <summary>Gets how many keys the scheduler knows; approximate while it runs.</summary>
    public int SchedulerTaskCount => _scheduler.State.TaskCount;

    public async Task<int> RunAsync(Func<DeisaClient, Task<int>> analytics, int rank)
    {
        int code;
        string? failure = null;
        try
        {
            code = await analytics(_client).ConfigureAwait(false);
            if (code != 0)
            {
                failure = $"the analytics returned exit code {code}";
            }
        }
        catch (Exception error)
        {
            code = 1;
            failure = $"the analytics failed: {error.GetType().Name}: {error.Message}";
            await Console.Error.WriteLineAsync($"deisa: world rank {rank}: analytics failed: {error}").ConfigureAwait(false);
        }

        // Whatever the outcome, nobody will read what the simulation has not shipped yet: revoking the contract lets
        // it stop shipping and finish normally, and frees a simulation still waiting for a contract never validated.
        try
        {
            await _client.RevokeContractAsync(failure ?? "the analytics finished").ConfigureAwait(false);
        }
        catch (Exception error)
        {
            await Console.Error.WriteLineAsync($"deisa: world rank {rank}: could not revoke the contract: {error.Message}").ConfigureAwait(false);
        }

        Task finished = _scheduler.ProducersFinished;
        if (await Task.WhenAny(finished, Task.Delay(_options.FinishTimeout)).ConfigureAwait(false) != finished)
        {
            // Read from another thread, but the scheduler is idle by now, and this is only for the message.
            EndpointId[] missing = _layout.Producers.Except(_scheduler.State.FinishedProducers).ToArray();
            MpiApi.AbortJob(
                $"deisa: world rank {rank}: fatal: simulation rank(s) {string.Join(", ", missing.Select(p => p.Rank))} did not finish within " +
                $"{_options.FinishTimeout.TotalSeconds:0.#} s after the analytics ended (DeisaMpiOptions.FinishTimeout); aborting the job.",
                code == 0 ? 1 : code);
        }

        return code;
    }

    /// <summary>Gets what reached the scheduler so far.</summary>
    public SchedulerLoad Load => new(
        _scheduler.MessagesFrom(EndpointKind.Producer),
        _scheduler.MessagesFrom(EndpointKind.Worker),
        _scheduler.MessagesFrom(EndpointKind.Client),
        _transport.FramesReceivedBy(EndpointKind.Scheduler),
        _transport.BytesReceivedBy(EndpointKind.Scheduler));

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private void OnFault(Exception error)
    {
        MpiApi.AbortJob($"deisa: world rank {_layout.AnalyticsRoot}: fatal: the runtime failed: {error}", 1);
    }
}
