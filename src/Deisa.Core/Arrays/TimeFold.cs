using System.Threading.Tasks;
using Deisa.Core.Arrays.Nodes;
using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <summary>
/// A computation that walks an array's time chunks in order: a chain, where each step's task takes the previous
/// step's result, or a balanced tree of merges of one result per step. Persisted, it is built a window of steps at a
/// time like an array, holding one state (a chain) or one result per tree level.
/// </summary>
/// <remarks>
/// The tasks must name registered operations to cross processes. The step builders run on the client, once per step
/// as the window reaches it, in step order.
/// </remarks>
public sealed class TimeFold
{
    private TimeFold(DeisaArray array, string name, Func<FoldStep, TaskArg, TaskSpec>? step, Func<FoldStep, TaskSpec>? leaf, Func<TaskKey, TaskKey, TaskSpec>? merge)
    {
        if (array.TimeAxis < 0)
        {
            throw new ArgumentException($"{array} has no time dimension to fold over.", nameof(array));
        }

        ArgumentException.ThrowIfNullOrEmpty(name);
        Array = array;
        Name = name;
        Step = step;
        Leaf = leaf;
        Merge = merge;
    }

    /// <summary>Gets the array walked.</summary>
    public DeisaArray Array { get; }

    /// <summary>Gets the name of the fold's keys: <c>name-state</c> (chain), <c>name-leaf</c> and <c>name-merge</c> (tree).</summary>
    public string Name { get; }

    internal bool IsChain => Step is not null;

    internal Func<FoldStep, TaskArg, TaskSpec>? Step { get; }

    internal Func<FoldStep, TaskSpec>? Leaf { get; }

    internal Func<TaskKey, TaskKey, TaskSpec>? Merge { get; }

    /// <summary>Creates a chain: step t's task takes the result of step t − 1 (<see cref="TaskArg.Null"/> for the first).</summary>
    /// <param name="array">The array, with a time dimension.</param>
    /// <param name="name">The name of the states' keys, <c>(name-state, t)</c>.</param>
    /// <param name="step">Builds a step's task from its chunks and the previous state.</param>
    /// <returns>The fold.</returns>
    public static TimeFold Chain(DeisaArray array, string name, Func<FoldStep, TaskArg, TaskSpec> step)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(step);
        return new TimeFold(array, name, step, null, null);
    }

    /// <summary>Creates a tree: one result per step, merged pairwise in step order, an odd last one carried up as it is.</summary>
    /// <param name="array">The array, with a time dimension.</param>
    /// <param name="name">The name of the keys, <c>(name-leaf, t)</c> and <c>(name-merge, level, i)</c>.</param>
    /// <param name="leaf">Builds a step's task from its chunks.</param>
    /// <param name="merge">Builds the merge of two results, earlier first.</param>
    /// <returns>The fold.</returns>
    public static TimeFold Tree(DeisaArray array, string name, Func<FoldStep, TaskSpec> leaf, Func<TaskKey, TaskKey, TaskSpec> merge)
    {
        ArgumentNullException.ThrowIfNull(array);
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(merge);
        return new TimeFold(array, name, null, leaf, merge);
    }

    /// <summary>
    /// Submits the fold with tasks on its final result, and keeps the values of <paramref name="outputs"/> once computed.
    /// </summary>
    /// <param name="finish">Builds, from the final result's key, the tasks that read it (attributes of a model, for example).</param>
    /// <param name="outputs">The keys of <paramref name="finish"/>'s tasks whose values are wanted.</param>
    /// <param name="cancellationToken">Stops waiting for the scheduler's answer to the first window.</param>
    /// <returns>One value per output, in order; dispose them to release the fold.</returns>
    /// <exception cref="Errors.GraphValidationException">The scheduler refused the first window, or the fold reads steps already gone.</exception>
    public async Task<IReadOnlyList<PersistedValue>> PersistAsync(Func<TaskKey, TaskGraph> finish, IReadOnlyList<TaskKey> outputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(finish);
        ArgumentNullException.ThrowIfNull(outputs);
        DeisaClient client = Array.Context.Client;
        IReadOnlyList<SourceRequirement> reads = Array.Reads();
        string description = $"the fold '{Name}' over {Array}";
        long interest = reads.Count > 0 ? await client.DeclareInterestAsync(description, reads, cancellationToken).ConfigureAwait(false) : 0;
        try
        {
            WindowDriver driver = client.Windows;
            FoldRoot root = await driver.AddFoldAsync(new FoldRoot(this, finish, outputs, description), cancellationToken).ConfigureAwait(false);
            var group = new FoldGroup(driver, root, interest, client);
            return [.. root.Values.Select(v => new PersistedValue(v, group))];
        }
        catch (Exception) when (interest != 0)
        {
            client.WithdrawInterest(interest);
            throw;
        }
    }

    /// <summary>Submits and blocks until the first window was accepted (see <see cref="PersistAsync"/>).</summary>
    /// <param name="finish">Builds the tasks on the final result.</param>
    /// <param name="outputs">The keys wanted.</param>
    /// <returns>One value per output.</returns>
    public IReadOnlyList<PersistedValue> Persist(Func<TaskKey, TaskGraph> finish, IReadOnlyList<TaskKey> outputs) =>
        PersistAsync(finish, outputs).GetAwaiter().GetResult();
}
