using System.Threading.Tasks;
using Deisa.Core.Arrays.Nodes;
using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <content>Submission: the graph of an array and its inputs, the external keys it reads, and results.</content>
public sealed partial class DeisaArray
{
    /// <summary>
    /// Submits the array's graph and keeps its chunks in memory on the workers, declaring as external exactly the
    /// simulation blocks it reads (so that only those enter the contract).
    /// </summary>
    /// <param name="createExternal">False when the blocks are known to the scheduler already, as in Deisa1 coupling
    /// where the simulation announces each block before the analytics submit work on it.</param>
    /// <param name="cancellationToken">Stops waiting for the scheduler's answer.</param>
    /// <returns>The submitted array; dispose it to release its chunks.</returns>
    /// <exception cref="Errors.GraphValidationException">The scheduler refused the graph, or a block it reads came after the contract was validated.</exception>
    /// <exception cref="NotSupportedException"><paramref name="createExternal"/> is false and the array reads an open-ended run: Deisa1 coupling submits every task at once.</exception>
    /// <remarks>An open-ended array (<see cref="IsOpenEnded"/>) streams its steps (<see cref="PersistedArray.GetTimeChunkAsync"/>) and
    /// completes with the steps the run published, once it ends; a reduction over its time completes then.</remarks>
    public Task<PersistedArray> PersistAsync(bool createExternal = true, CancellationToken cancellationToken = default) =>
        PersistAsync(createExternal, forResult: false, cancellationToken);

    /// <summary>Submits the array's graph (see the public overload).</summary>
    /// <param name="createExternal">False when the blocks are known to the scheduler already (Deisa1 coupling).</param>
    /// <param name="forResult">Whether the caller waits for the values at once (a compute): over held blocks, the workers then send them unasked.</param>
    /// <param name="cancellationToken">Stops waiting for the scheduler's answer.</param>
    private async Task<PersistedArray> PersistAsync(bool createExternal, bool forResult, CancellationToken cancellationToken)
    {
        DeisaClient client = Context.Client;

        // Inside a window callback, an array that reads only blocks the call holds is a small bounded graph over keys
        // the scheduler has in memory: it goes at once, with no interest and no window of its own (the per-step
        // graph's cost, not a persisted array's), and without waiting for the scheduler's acceptance, which a refusal
        // then fails. Its emission stops at the first block the call does not hold, so a larger array costs little here.
        if (!createExternal)
        {
            // Deisa1: every block is announced already; the whole graph goes at once.
            (TaskGraph graph, List<TaskKey> outputs, _) = Collect();
            return await SubmitWholeAsync(client, graph, outputs, awaitAcceptance: true, pushValues: false, cancellationToken).ConfigureAwait(false);
        }

        if (!ReadsOpenTime && Streaming.HeldBlocks.Current is { } held && TryCollect(held.Contains) is { } collected && held.InCall)
        {
            return await SubmitWholeAsync(client, collected.Graph, collected.Outputs, awaitAcceptance: false, pushValues: forResult, cancellationToken).ConfigureAwait(false);
        }

        // What the computation reads, in compact form: the contract follows it, before and after validation.
        IReadOnlyList<SourceRequirement> reads = Reads();
        long interest = reads.Count > 0 ? await client.DeclareInterestAsync(ToString(), reads, cancellationToken).ConfigureAwait(false) : 0;
        try
        {
            WindowDriver driver = client.Windows;
            WindowRoot root = await driver.AddAsync(this, ToString(), cancellationToken).ConfigureAwait(false);
            return new PersistedArray(this, root, driver, interest);
        }
        catch (Exception) when (interest != 0)
        {
            client.WithdrawInterest(interest);
            throw;
        }
    }

    private async Task<PersistedArray> SubmitWholeAsync(DeisaClient client, TaskGraph graph, List<TaskKey> outputs, bool awaitAcceptance, bool pushValues, CancellationToken cancellationToken)
    {
        IReadOnlyList<Future> futures = await client.PersistAsync(graph, outputs, new ChunkOf(this), cancellationToken, awaitAcceptance, pushValues).ConfigureAwait(false);
        var whole = new WindowRoot(this, ToString());
        int i = 0;
        foreach (int[] chunk in ChunkIndices())
        {
            _ = whole.CollectAsync(futures[i++], chunk);
        }

        return new PersistedArray(this, whole, null, 0);
    }

    /// <summary>Says what a key is to the user in messages, formatted only then.</summary>
    private sealed class ChunkOf(DeisaArray array)
    {
        public override string ToString() => $"a chunk of {array}";
    }

    /// <summary>Submits the array's graph and keeps its chunks in memory on the workers; blocks until accepted.</summary>
    /// <param name="createExternal">False when the blocks are known to the scheduler already (Deisa1 coupling).</param>
    /// <returns>The submitted array; dispose it to release its chunks.</returns>
    public PersistedArray Persist(bool createExternal = true) => PersistAsync(createExternal).GetAwaiter().GetResult();

    /// <summary>Computes the array and assembles it, dense, on the client; for arrays that read no simulation data, or after the contract was validated.</summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The array's values.</returns>
    /// <exception cref="Errors.TaskFailedException">A task failed, or a block it needed will never arrive.</exception>
    public async Task<NdArray> ComputeAsync(CancellationToken cancellationToken = default)
    {
        using PersistedArray persisted = await PersistAsync(createExternal: true, forResult: true, cancellationToken).ConfigureAwait(false);
        return await persisted.GetResultAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Computes the array and assembles it, dense, on the client.</summary>
    /// <param name="timeout">How long to wait; <see cref="ClientOptions.ResultTimeout"/> when null.</param>
    /// <returns>The array's values.</returns>
    /// <exception cref="Errors.TaskFailedException">A task failed, or a block it needed will never arrive.</exception>
    /// <exception cref="Errors.DeisaTimeoutException">The values did not come in time.</exception>
    /// <exception cref="InvalidOperationException">The array reads simulation blocks and the contract was never validated, so it would never be computed.</exception>
    public NdArray Compute(TimeSpan? timeout = null)
    {
        using PersistedArray persisted = PersistAsync(createExternal: true, forResult: true, CancellationToken.None).GetAwaiter().GetResult();
        return persisted.Result(timeout);
    }

    /// <summary>
    /// Gets the tasks that compute this array's chunks, with those of every array it depends on, and the keys they
    /// read that no task computes: the simulation blocks. Operations built outside Deisa (Deisa.Ml's PCA, user
    /// code) add their tasks on top, declare <see cref="ArrayGraph.External"/> with
    /// <see cref="DeisaClient.CreateExternalAsync"/> and submit.
    /// </summary>
    /// <returns>The graph, the chunk keys in row-major chunk order, and the external keys.</returns>
    /// <remarks>Every task of every step at once: for a long run, persist the array instead, which builds them a window at a time.</remarks>
    /// <exception cref="NotSupportedException">The array reads an open-ended run, whose tasks cannot all be listed.</exception>
    public ArrayGraph BuildGraph()
    {
        (TaskGraph graph, List<TaskKey> outputs, List<TaskKey> externals) = Collect();
        return new ArrayGraph(graph, outputs, externals);
    }

    /// <summary>
    /// Gets what this array reads of the simulation's arrays, derived from its description without listing its
    /// chunks: per simulation array, steps (held as intervals with a period) times block positions. It is what the
    /// contract asks of the simulation once the array is persisted.
    /// </summary>
    /// <returns>The requirements; the same block and step may appear in several.</returns>
    public IReadOnlyList<SourceRequirement> Reads()
    {
        var sink = new RequirementSink();
        sink.Require(this, Region.All(this));
        return sink.Requirements;
    }

    /// <summary>Emits every chunk's tasks at once, with the keys outside them.</summary>
    /// <exception cref="NotSupportedException">The array reads an open-ended run: its tasks go on to the run's end.</exception>
    internal (TaskGraph Graph, List<TaskKey> Outputs, List<TaskKey> Externals) Collect()
    {
        if (ReadsOpenTime)
        {
            throw new NotSupportedException(
                $"Cannot build every task of {this} at once: it reads an open-ended run, whose steps go on until the simulation finishes. " +
                "Persist it (PersistAsync), which builds its tasks a window of steps at a time and completes reductions over time when the run ends; or slice a bounded range of steps (a[..n]) first.");
        }

        var sink = new GraphSink();
        var outputs = new List<TaskKey>();
        foreach (int[] chunk in ChunkIndices())
        {
            outputs.Add(sink.Require(this, chunk));
        }

        return (sink.Tasks, outputs, [.. sink.Externals]);
    }

    /// <summary>Emits every chunk's tasks at once if they read only simulation blocks <paramref name="readable"/> allows, and at least one; null otherwise.</summary>
    internal (TaskGraph Graph, List<TaskKey> Outputs)? TryCollect(Func<TaskKey, bool> readable)
    {
        var sink = new GraphSink(readable: readable);
        var outputs = new List<TaskKey>();
        try
        {
            foreach (int[] chunk in ChunkIndices())
            {
                outputs.Add(sink.Require(this, chunk));
            }
        }
        catch (UnreadableExternalException)
        {
            return null;
        }

        return sink.Externals.Count > 0 ? (sink.Tasks, outputs) : null;
    }
}
