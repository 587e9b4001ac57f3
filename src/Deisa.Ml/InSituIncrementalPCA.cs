using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Core.Graph;

namespace Deisa.Ml;

/// <summary>
/// Incremental principal component analysis over a simulation's field in transit, one partial fit per time step,
/// with scikit-learn's <c>IncrementalPCA</c> names and results (Ross et al. 2008; Chan, Golub and LeVeque's
/// incremental variance; the deterministic sign flip).
/// </summary>
/// <remarks>
/// <para>In transit: <see cref="Fit(DeisaArray, IReadOnlyList{string}?, IReadOnlyList{string}, IReadOnlyList{string}, BatchReduction)"/>
/// builds the whole chain of updates over every step before the data exists and returns at once; the fitted
/// attributes are futures that complete once the simulation has shipped the last step. Each step's batch is
/// assembled on a worker straight from that step's chunks; each state is released once the next one exists, so
/// memory stays constant however many steps there are.</para>
/// <para>Dense: <see cref="PartialFit(NdArray)"/>, <see cref="Transform(NdArray)"/> and
/// <see cref="InverseTransform(NdArray)"/> work on in-memory batches, like scikit-learn. Not thread-safe.</para>
/// </remarks>
public sealed class InSituIncrementalPCA
{
    private static long s_nextName;
    private IncrementalPcaState? _state;
    private Fitted? _fitted;
    private string? _stepwiseName;
    private int _lastStep = -1;

    /// <summary>Creates an estimator.</summary>
    /// <param name="nComponents">How many components to keep (<c>n_components</c>); at most the number of features and the samples per batch.</param>
    /// <param name="copy">Kept for scikit-learn compatibility: the input is never modified, whatever its value.</param>
    /// <param name="whiten">Whether <see cref="Transform(NdArray)"/> scales the projections to unit variance.</param>
    /// <param name="svdSolver">How each update is decomposed; <see cref="Ml.SvdSolver.LeadingK"/> gives the full solver's results faster.</param>
    /// <param name="iteratedPower">Power iterations of the randomized solver; negative for scikit-learn's 'auto' (7 when few components are kept, else 4).</param>
    /// <param name="randomState">Seeds the randomized solver (and the leading-k solver's start); null draws a fresh seed for the randomized solver.</param>
    /// <param name="backend">Which BLAS/LAPACK to use, on whichever rank runs the update.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="nComponents"/> is not positive.</exception>
    public InSituIncrementalPCA(
        int nComponents,
        bool copy = true,
        bool whiten = false,
        SvdSolver svdSolver = SvdSolver.LeadingK,
        int iteratedPower = -1,
        int? randomState = null,
        LinearAlgebraBackend backend = LinearAlgebraBackend.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nComponents);
        if (!Enum.IsDefined(svdSolver))
        {
            throw new ArgumentOutOfRangeException(nameof(svdSolver), svdSolver, "Use SvdSolver.LeadingK, Full or Randomized.");
        }

        NComponents = nComponents;
        Copy = copy;
        Whiten = whiten;
        SvdSolver = svdSolver;
        IteratedPower = iteratedPower;
        RandomState = randomState;
        Backend = backend;
        Settings = new IpcaSettings(nComponents, whiten, svdSolver, iteratedPower, randomState, backend, IpcaSettings.DefaultTolerance, IpcaSettings.DefaultMaxIterations);
    }

    /// <summary>Gets the number of components kept.</summary>
    public int NComponents { get; }

    /// <summary>Gets the scikit-learn <c>copy</c> flag (the input is never modified).</summary>
    public bool Copy { get; }

    /// <summary>Gets whether projections are whitened.</summary>
    public bool Whiten { get; }

    /// <summary>Gets the solver.</summary>
    public SvdSolver SvdSolver { get; }

    /// <summary>Gets the randomized solver's power iterations (negative for automatic).</summary>
    public int IteratedPower { get; }

    /// <summary>Gets the seed, if any.</summary>
    public int? RandomState { get; }

    /// <summary>Gets the linear algebra backend.</summary>
    public LinearAlgebraBackend Backend { get; }

    /// <summary>Gets the state after the dense partial fits, or null before the first.</summary>
    public IncrementalPcaState? State => _state;

    /// <summary>Gets the final state of the in-transit fit.</summary>
    /// <exception cref="InvalidOperationException">Fit was not called.</exception>
    public PersistedValue<IncrementalPcaState> FittedState => Require().State;

    /// <summary>Gets the principal axes, NComponents × features (<c>components_</c>).</summary>
    /// <exception cref="InvalidOperationException">Fit was not called.</exception>
    public PersistedValue<NdArray> Components => Require().Components;

    /// <summary>Gets the variance explained by each component (<c>explained_variance_</c>).</summary>
    /// <exception cref="InvalidOperationException">Fit was not called.</exception>
    public PersistedValue<NdArray> ExplainedVariance => Require().ExplainedVariance;

    /// <summary>Gets the fraction of the total variance each component explains (<c>explained_variance_ratio_</c>).</summary>
    /// <exception cref="InvalidOperationException">Fit was not called.</exception>
    public PersistedValue<NdArray> ExplainedVarianceRatio => Require().ExplainedVarianceRatio;

    /// <summary>Gets the singular values (<c>singular_values_</c>).</summary>
    /// <exception cref="InvalidOperationException">Fit was not called.</exception>
    public PersistedValue<NdArray> SingularValues => Require().SingularValues;

    /// <summary>Gets the per-feature mean (<c>mean_</c>).</summary>
    /// <exception cref="InvalidOperationException">Fit was not called.</exception>
    public PersistedValue<NdArray> Mean => Require().Mean;

    /// <summary>Gets the per-feature variance (<c>var_</c>).</summary>
    /// <exception cref="InvalidOperationException">Fit was not called.</exception>
    public PersistedValue<NdArray> Var => Require().Var;

    /// <summary>Gets the noise variance (<c>noise_variance_</c>).</summary>
    /// <exception cref="InvalidOperationException">Fit was not called.</exception>
    public PersistedValue<double> NoiseVariance => Require().NoiseVariance;

    /// <summary>Gets the number of samples seen (<c>n_samples_seen_</c>).</summary>
    /// <exception cref="InvalidOperationException">Fit was not called.</exception>
    public PersistedValue<long> NSamplesSeen => Require().NSamplesSeen;

    internal IpcaSettings Settings { get; }

    /// <summary>
    /// Fits in transit: one partial fit per position along the axis that is neither a sample nor a feature axis
    /// (time), with the samples and features of each step taken from <paramref name="array"/>'s chunks. Submits the
    /// whole graph and returns; the attributes complete when the last step has been processed.
    /// </summary>
    /// <param name="array">The field, for example a simulation array with axes (t, X, Y).</param>
    /// <param name="dims">Names for the array's axes, in order; the array's own names when null.</param>
    /// <param name="samples">The axes whose positions are samples (rows of each batch), row-major in this order.</param>
    /// <param name="features">The axes whose positions are features (columns), row-major in this order.</param>
    /// <param name="reduction">One chain of updates (scikit-learn's result), or a tree of merged per-step fits.</param>
    /// <returns>This estimator, whose attribute futures are now set.</returns>
    /// <exception cref="ArgumentException">The axes do not split into one batch axis, samples and features, or a batch has fewer samples or features than components.</exception>
    /// <exception cref="InvalidOperationException">Fit was already called on this estimator.</exception>
    public InSituIncrementalPCA Fit(DeisaArray array, IReadOnlyList<string>? dims, IReadOnlyList<string> samples, IReadOnlyList<string> features, BatchReduction reduction = BatchReduction.Sequential)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (_fitted is not null)
        {
            throw new InvalidOperationException("Fit or FitStep was already called on this estimator; create another one for another fit.");
        }

        BatchLayout layout = Layout(array, dims, samples, features);

        long steps = array.Shape[layout.BatchAxis];
        if (steps == 0)
        {
            throw new ArgumentException($"{array} has no step along its batch axis: there is nothing to fit.", nameof(array));
        }

        DeisaClient client = array.Client;
        DeisaMl.Register(client.Operations);
        string name = $"ipca-{Interlocked.Increment(ref s_nextName)}";
        Operation partialFit = client.Operations.Get(DeisaMl.PartialFitOperation);
        Operation merge = client.Operations.Get(DeisaMl.MergeOperation);
        TaskArg settings = TaskArg.FromInt64Array(Settings.ToArgument());
        TaskArg geometry = TaskArg.FromInt64Array(layout.ToArgument());
        // Chunks of one step each: as many chunks as steps (every chunk holds at least one), checked without listing them.
        ChunkAxis batches = array.ChunksOf(layout.BatchAxis);
        if (array.TimeDimension == layout.BatchAxis && batches.Count == batches.Length)
        {
            // One update per step along time: built a window of steps at a time, holding one state (or one per tree level).
            TimeFold fold = reduction == BatchReduction.Sequential
                ? TimeFold.Chain(array, name, (step, previous) => TaskSpec.Create(partialFit, previous, settings, geometry, StepBlocks(array, layout, step)))
                : TimeFold.Tree(array, name, step => TaskSpec.Create(partialFit, TaskArg.Null, settings, geometry, StepBlocks(array, layout, step)), (left, right) => TaskSpec.Create(merge, left, right, settings));
            TaskKey[] outputs = [.. s_attributes.Select(a => new TaskKey(AttributeKeyName(name, a)))];
            _fitted = Fitted.From(fold.Persist(root => AttributeTasks(client, root, outputs), outputs));
            return this;
        }

        // Batches along another axis than time (or time in chunks of several steps): the whole chain at once.
        ArrayGraph source = array.BuildGraph();
        var graph = new TaskGraph();
        foreach (KeyValuePair<TaskKey, TaskSpec> task in source.Tasks)
        {
            graph.Add(task.Key, task.Value);
        }

        TaskKey last = reduction == BatchReduction.Sequential
            ? Chain(graph, name, partialFit, settings, geometry, array, layout, checked((int)steps))
            : Tree(graph, name, partialFit, merge, settings, geometry, array, layout, checked((int)steps));

        if (source.External.Count > 0)
        {
            client.CreateExternal(source.External);
        }

        _fitted = Submit(client, graph, last, name, step: null);
        return this;
    }

    /// <summary>
    /// Fits one more step now, for analytics that submit step by step once a step's blocks are announced (Deisa1
    /// coupling, where the graph cannot be built before the data exists). The attribute futures then hold the
    /// state after this step; the previous state is released once this step's update has read it.
    /// </summary>
    /// <param name="array">The field; its chunks for <paramref name="step"/> must be known to the scheduler already.</param>
    /// <param name="step">The position along the batch axis; steps come in increasing order, each once.</param>
    /// <param name="dims">Names for the array's axes, in order; the array's own names when null.</param>
    /// <param name="samples">The sample axes.</param>
    /// <param name="features">The feature axes.</param>
    /// <returns>This estimator.</returns>
    /// <exception cref="ArgumentException">The axes do not fit, or the step is out of range or not after the previous one.</exception>
    /// <exception cref="InvalidOperationException">Fit was called on this estimator.</exception>
    public InSituIncrementalPCA FitStep(DeisaArray array, int step, IReadOnlyList<string>? dims, IReadOnlyList<string> samples, IReadOnlyList<string> features)
    {
        ArgumentNullException.ThrowIfNull(array);
        if (_fitted is not null && _stepwiseName is null)
        {
            throw new InvalidOperationException("Fit was called on this estimator; FitStep continues only a step-by-step fit.");
        }

        BatchLayout layout = Layout(array, dims, samples, features);

        if (step < 0 || step >= array.Shape[layout.BatchAxis] || step <= _lastStep)
        {
            throw new ArgumentException(
                $"Step {step} is outside 0..{array.Shape[layout.BatchAxis] - 1} or not after the last step fitted ({_lastStep}).", nameof(step));
        }

        DeisaClient client = array.Client;
        DeisaMl.Register(client.Operations);
        _stepwiseName ??= $"ipca-{Interlocked.Increment(ref s_nextName)}";
        var graph = new TaskGraph();
        foreach (KeyValuePair<TaskKey, TaskSpec> task in array.BuildGraph().Tasks)
        {
            graph.Add(task.Key, task.Value);
        }

        TaskKey state = new($"{_stepwiseName}-state", step);
        TaskArg previous = _fitted is null ? TaskArg.Null : _fitted.State.Key;
        graph.Add(state, TaskSpec.Create(
            client.Operations.Get(DeisaMl.PartialFitOperation),
            previous,
            TaskArg.FromInt64Array(Settings.ToArgument()),
            TaskArg.FromInt64Array(layout.ToArgument()),
            StepBlocks(array, layout, step)));
        Fitted next = Submit(client, graph, state, _stepwiseName, step);
        _fitted?.Dispose();
        _fitted = next;
        _lastStep = step;
        return this;
    }

    /// <summary>Updates the model with one in-memory batch (<c>partial_fit</c>).</summary>
    /// <param name="batch">A samples × features matrix; at least NComponents samples.</param>
    /// <returns>This estimator.</returns>
    /// <exception cref="ArgumentException">The batch is not 2-D, has too few samples or features, another number of features than before, or non-finite values.</exception>
    public InSituIncrementalPCA PartialFit(NdArray batch)
    {
        (int samples, int features) = Matrix(batch, nameof(batch));
        _state = IncrementalPcaKernel.PartialFit(_state, samples, features, (stacked, column) => batch.Data.CopyTo(stacked, column * features), Settings);
        return this;
    }

    /// <summary>Projects samples on the components (<c>transform</c>).</summary>
    /// <param name="x">A samples × features matrix.</param>
    /// <returns>The samples × NComponents projections.</returns>
    /// <exception cref="InvalidOperationException">The model is not fitted.</exception>
    /// <exception cref="ArgumentException">The matrix does not have the fitted number of features.</exception>
    public NdArray Transform(NdArray x)
    {
        IncrementalPcaState state = FittedStateValue();
        (int samples, int features) = Matrix(x, nameof(x));
        CheckFeatures(state, features, nameof(x));
        return new NdArray([samples, state.NComponents], IncrementalPcaKernel.Transform(state, x.Data, samples, Whiten, Backend));
    }

    /// <summary>Maps projections back to feature space (<c>inverse_transform</c>).</summary>
    /// <param name="y">A samples × NComponents matrix.</param>
    /// <returns>The samples × features reconstruction.</returns>
    /// <exception cref="InvalidOperationException">The model is not fitted.</exception>
    /// <exception cref="ArgumentException">The matrix does not have NComponents columns.</exception>
    public NdArray InverseTransform(NdArray y)
    {
        IncrementalPcaState state = FittedStateValue();
        (int samples, int columns) = Matrix(y, nameof(y));
        if (columns != state.NComponents)
        {
            throw new ArgumentException($"The projections have {columns} columns; the model has {state.NComponents} components.", nameof(y));
        }

        return new NdArray([samples, state.NFeatures], IncrementalPcaKernel.InverseTransform(state, y.Data, samples, Whiten, Backend));
    }

    /// <summary>Combines two states as one incremental PCA that had seen both sets of samples would, each summarised by its components.</summary>
    /// <param name="left">One state.</param>
    /// <param name="right">The other, over the same features with the same number of components.</param>
    /// <returns>The merged state.</returns>
    /// <exception cref="ArgumentException">The states do not match.</exception>
    public IncrementalPcaState Merge(IncrementalPcaState left, IncrementalPcaState right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return IncrementalPcaKernel.Merge(left, right, Settings);
    }

    /// <summary>Updates a given state with one batch, leaving this estimator's own state alone: for callers that keep several states, as a tree reduction does.</summary>
    /// <param name="state">The state to update; null to start from nothing.</param>
    /// <param name="batch">A samples × features matrix.</param>
    /// <returns>The updated state.</returns>
    /// <exception cref="ArgumentException">As for <see cref="PartialFit(NdArray)"/>.</exception>
    public IncrementalPcaState Update(IncrementalPcaState? state, NdArray batch)
    {
        (int samples, int features) = Matrix(batch, nameof(batch));
        return IncrementalPcaKernel.PartialFit(state, samples, features, (stacked, column) => batch.Data.CopyTo(stacked, column * features), Settings);
    }

    /// <summary>The attributes kept of a fit, by their scikit-learn names; <c>state_</c> is the state itself.</summary>
    private static readonly string[] s_attributes =
        ["state_", "components_", "explained_variance_", "explained_variance_ratio_", "singular_values_", "mean_", "var_", "noise_variance_", "n_samples_seen_"];

    /// <summary>The key name of an attribute: <c>name-components</c>…; the state itself is <c>name-fitted</c> (the states of the steps are <c>name-state</c>).</summary>
    private static string AttributeKeyName(string name, string attribute) => attribute == "state_" ? $"{name}-fitted" : $"{name}-{attribute.TrimEnd('_')}";

    /// <summary>One task per attribute, reading the final state.</summary>
    private static TaskGraph AttributeTasks(DeisaClient client, TaskKey state, TaskKey[] keys)
    {
        Operation attribute = client.Operations.Get(DeisaMl.AttributeOperation);
        var graph = new TaskGraph();
        for (int i = 0; i < s_attributes.Length; i++)
        {
            graph.Add(keys[i], TaskSpec.Create(attribute, state, s_attributes[i]));
        }

        return graph;
    }

    /// <summary>Adds the attribute tasks on <paramref name="root"/>, submits the whole graph, and keeps the results.</summary>
    private static Fitted Submit(DeisaClient client, TaskGraph graph, TaskKey root, string name, int? step)
    {
        TaskKey[] outputs = [.. s_attributes.Select(a => step is int t ? new TaskKey(AttributeKeyName(name, a), t) : new TaskKey(AttributeKeyName(name, a)))];
        foreach (KeyValuePair<TaskKey, TaskSpec> task in AttributeTasks(client, root, outputs))
        {
            graph.Add(task.Key, task.Value);
        }

        IReadOnlyList<Future> held = client.Persist(graph, outputs);
        return Fitted.From([.. held.Select((f, i) => new PersistedValue(f, client, $"the incremental PCA's {s_attributes[i]}"))]);
    }

    private static TaskKey Chain(TaskGraph graph, string name, Operation partialFit, TaskArg settings, TaskArg geometry, DeisaArray array, BatchLayout layout, int steps)
    {
        TaskArg previous = TaskArg.Null;
        TaskKey key = default;
        for (int t = 0; t < steps; t++)
        {
            key = new TaskKey($"{name}-state", t);
            graph.Add(key, TaskSpec.Create(partialFit, previous, settings, geometry, StepBlocks(array, layout, t)));
            previous = key;
        }

        return key;
    }

    private static TaskKey Tree(TaskGraph graph, string name, Operation partialFit, Operation merge, TaskArg settings, TaskArg geometry, DeisaArray array, BatchLayout layout, int steps)
    {
        var level = new List<TaskKey>(steps);
        for (int t = 0; t < steps; t++)
        {
            TaskKey leaf = new($"{name}-leaf", t);
            graph.Add(leaf, TaskSpec.Create(partialFit, TaskArg.Null, settings, geometry, StepBlocks(array, layout, t)));
            level.Add(leaf);
        }

        for (int depth = 0; level.Count > 1; depth++)
        {
            var next = new List<TaskKey>((level.Count + 1) / 2);
            for (int i = 0; i < level.Count; i += 2)
            {
                if (i + 1 == level.Count)
                {
                    next.Add(level[i]);
                    continue;
                }

                TaskKey node = new($"{name}-merge", depth, i / 2);
                graph.Add(node, TaskSpec.Create(merge, level[i], level[i + 1], settings));
                next.Add(node);
            }

            level = next;
        }

        return level[0];
    }

    /// <summary>The chunks of one time chunk of a fold, each with where it sits: one argument per chunk.</summary>
    private static TaskArg StepBlocks(DeisaArray array, BatchLayout layout, FoldStep step)
    {
        var blocks = new TaskArg[step.Keys.Count];
        for (int i = 0; i < blocks.Length; i++)
        {
            blocks[i] = Block(array, layout, step.Keys[i], step.Chunks[i], step.Index);
        }

        return TaskArg.FromList(blocks);
    }

    /// <summary>The chunks holding step <paramref name="t"/> along the batch axis, each with where it sits.</summary>
    private static TaskArg StepBlocks(DeisaArray array, BatchLayout layout, int t)
    {
        int rank = array.Rank;
        int batchAxis = layout.BatchAxis;
        int[] counts = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            counts[d] = d == batchAxis ? 1 : array.ChunksOf(d).Count;
        }

        int batchChunk = array.ChunksOf(batchAxis).ChunkAt(t);
        var blocks = new List<TaskArg>();
        int[] chunk = new int[rank];
        while (true)
        {
            int[] position = (int[])chunk.Clone();
            position[batchAxis] = batchChunk;
            blocks.Add(Block(array, layout, array.KeyOf(position), position, t));

            int axis = rank - 1;
            while (axis >= 0 && ++chunk[axis] >= counts[axis])
            {
                chunk[axis] = 0;
                axis--;
            }

            if (axis < 0)
            {
                break;
            }
        }

        return TaskArg.FromList([.. blocks]);
    }

    /// <summary>One chunk of a batch: its key, and where it starts, its shape and which of its positions along the batch axis is the step.</summary>
    private static TaskArg Block(DeisaArray array, BatchLayout layout, TaskKey key, int[] chunk, long t)
    {
        int rank = array.Rank;
        long[] start = new long[rank];
        int[] shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            ChunkAxis axis = array.ChunksOf(d);
            start[d] = axis.StartOf(chunk[d]);
            shape[d] = checked((int)axis[chunk[d]]);
        }

        return TaskArg.FromList(key, TaskArg.FromInt64Array(BatchLayout.BlockArgument(start, shape, t - start[layout.BatchAxis])));
    }

    private BatchLayout Layout(DeisaArray array, IReadOnlyList<string>? dims, IReadOnlyList<string> samples, IReadOnlyList<string> features)
    {
        BatchLayout layout = BatchLayout.Create(array.Shape, dims ?? array.DimensionNames, samples, features);
        return NComponents <= layout.Features && NComponents <= layout.Samples
            ? layout
            : throw new ArgumentException(
                $"n_components={NComponents} must be at most the number of features ({layout.Features}) and of samples per batch ({layout.Samples}).",
                nameof(array));
    }

    private static (int Samples, int Features) Matrix(NdArray matrix, string parameter)
    {
        ArgumentNullException.ThrowIfNull(matrix, parameter);
        return matrix.Rank == 2
            ? (matrix.Shape[0], matrix.Shape[1])
            : throw new ArgumentException($"Expected a samples × features matrix; got an array of shape [{string.Join(", ", matrix.Shape)}].", parameter);
    }

    private static void CheckFeatures(IncrementalPcaState state, int features, string parameter)
    {
        if (features != state.NFeatures)
        {
            throw new ArgumentException($"The matrix has {features} features; the model was fitted on {state.NFeatures}.", parameter);
        }
    }

    private IncrementalPcaState FittedStateValue() =>
        _state ?? _fitted?.State.Result() ?? throw new InvalidOperationException("The model is not fitted: call PartialFit or Fit first.");

    private Fitted Require() =>
        _fitted ?? throw new InvalidOperationException("Fit(array, …) was not called: the in-transit results exist only after it.");

    private sealed record Fitted(
        PersistedValue<IncrementalPcaState> State,
        PersistedValue<NdArray> Components,
        PersistedValue<NdArray> ExplainedVariance,
        PersistedValue<NdArray> ExplainedVarianceRatio,
        PersistedValue<NdArray> SingularValues,
        PersistedValue<NdArray> Mean,
        PersistedValue<NdArray> Var,
        PersistedValue<double> NoiseVariance,
        PersistedValue<long> NSamplesSeen) : IDisposable
    {
        public static Fitted From(IReadOnlyList<PersistedValue> values) => new(
            values[0].As<IncrementalPcaState>(),
            values[1].As<NdArray>(),
            values[2].As<NdArray>(),
            values[3].As<NdArray>(),
            values[4].As<NdArray>(),
            values[5].As<NdArray>(),
            values[6].As<NdArray>(),
            values[7].As<double>(),
            values[8].As<long>());

        public void Dispose()
        {
            State.Dispose();
            Components.Dispose();
            ExplainedVariance.Dispose();
            ExplainedVarianceRatio.Dispose();
            SingularValues.Dispose();
            Mean.Dispose();
            Var.Dispose();
            NoiseVariance.Dispose();
            NSamplesSeen.Dispose();
        }
    }
}
