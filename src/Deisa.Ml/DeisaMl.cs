using Deisa.Core.Arrays;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Ml.Numerics;

namespace Deisa.Ml;

/// <summary>Registers Deisa.Ml's operations and value types, which every rank needs before the runtime starts.</summary>
/// <remarks>
/// In one process <see cref="InSituIncrementalPCA.Fit(DeisaArray, IReadOnlyList{string}?, IReadOnlyList{string}, IReadOnlyList{string}, BatchReduction)"/>
/// registers them itself, in the client's operation registry and the default value codecs. Over MPI, call
/// <see cref="Register"/> on every rank, simulation ranks included, before creating the session, with the
/// registries the session is given (the defaults unless you pass others): a rank without them ends the job with a
/// message naming the operation when an update reaches it.
/// </remarks>
public static class DeisaMl
{
    /// <summary>One incremental PCA update: a step's chunks into the previous state.</summary>
    public const string PartialFitOperation = "deisa.ml.ipca.partial-fit";

    /// <summary>The merge of two incremental PCA states.</summary>
    public const string MergeOperation = "deisa.ml.ipca.merge";

    /// <summary>One fitted attribute of a state (components, mean…), by its scikit-learn name.</summary>
    public const string AttributeOperation = "deisa.ml.ipca.attribute";

    /// <summary>The wire tag of <see cref="IncrementalPcaState"/> in a <see cref="ValueCodecRegistry"/>.</summary>
    public const byte StateTag = 200;

    private static readonly Lock s_lock = new();

    /// <summary>Adds the operations and the state's codec; does nothing for what is already there.</summary>
    /// <param name="operations">The registry; <see cref="OperationRegistry.Default"/> when null.</param>
    /// <param name="values">The codecs; <see cref="ValueCodecRegistry.Default"/> when null.</param>
    /// <exception cref="ArgumentException">Another type already took <see cref="StateTag"/>.</exception>
    public static void Register(OperationRegistry? operations = null, ValueCodecRegistry? values = null)
    {
        operations ??= OperationRegistry.Default;
        values ??= ValueCodecRegistry.Default;
        lock (s_lock)
        {
            if (!values.IsRegistered<IncrementalPcaState>())
            {
                values.Register(StateTag, new IncrementalPcaStateCodec());
            }

            if (operations.TryGet(PartialFitOperation, out _))
            {
                return;
            }

            operations.Register(PartialFitOperation, static args =>
            {
                IncrementalPcaState? previous = args.Get<IncrementalPcaState?>(0);
                IpcaSettings settings = IpcaSettings.FromArgument(args.GetInt64Array(1));
                BatchLayout layout = BatchLayout.FromArgument(args.GetInt64Array(2));
                ReadOnlySpan<object?> blocks = args.GetList(3);
                object?[] chunks = new object?[blocks.Length];
                long[][] geometry = new long[blocks.Length][];
                for (int i = 0; i < blocks.Length; i++)
                {
                    object?[] block = (object?[])blocks[i]!;
                    chunks[i] = block[0];
                    geometry[i] = (long[])block[1]!;
                }

                string what = $"a chunk read by {args.Key}";
                return IncrementalPcaKernel.PartialFit(previous, layout.Samples, layout.Features, (stacked, column) =>
                {
                    for (int i = 0; i < chunks.Length; i++)
                    {
                        layout.Write(stacked, column, chunks[i], geometry[i], what);
                    }
                }, settings);
            }, 4, 4);
            operations.Register(MergeOperation, static args => IncrementalPcaKernel.Merge(
                args.Get<IncrementalPcaState>(0),
                args.Get<IncrementalPcaState>(1),
                IpcaSettings.FromArgument(args.GetInt64Array(2))), 3, 3);
            operations.Register(AttributeOperation, static args =>
            {
                IncrementalPcaState state = args.Get<IncrementalPcaState>(0);
                string name = args.GetString(1);
                return name switch
                {
                    "components_" => state.Components,
                    "explained_variance_" => state.ExplainedVariance,
                    "explained_variance_ratio_" => state.ExplainedVarianceRatio,
                    "singular_values_" => state.SingularValues,
                    "mean_" => state.Mean,
                    "var_" => state.Var,
                    "noise_variance_" => state.NoiseVariance,
                    "n_samples_seen_" => (object)state.NSamplesSeen,
                    "state_" => state,
                    _ => throw new ArgumentException($"An incremental PCA has no attribute '{name}'.", nameof(args)),
                };
            }, 2, 2);
        }
    }

    /// <summary>Gets or sets how many threads the native BLAS (OpenBLAS) computes with on this rank; 0, the default, means
    /// <c>OPENBLAS_NUM_THREADS</c> or <c>OMP_NUM_THREADS</c> when set, else 1.</summary>
    /// <remarks>
    /// One thread is the default because every executor thread already runs a task and the analytics ranks share
    /// nodes with the simulation; one thread also keeps results identical from run to run. Raise it on analytics
    /// ranks with cores of their own. Set it before the first fit or projection in the process: the library is
    /// loaded then, and its thread pool is sized once.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative.</exception>
    /// <exception cref="InvalidOperationException">The library was already loaded with another count.</exception>
    public static int BlasThreads
    {
        get => NativeLapack.ThreadsOption;
        set => NativeLapack.ThreadsOption = value;
    }

    /// <summary>Describes the BLAS/LAPACK a backend resolves to, for logs and benchmark tables.</summary>
    /// <param name="backend">The backend.</param>
    /// <returns>For example "native (libopenblas.so.0: OpenBLAS 0.3.21 DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64, 1 thread (default))".</returns>
    /// <exception cref="DllNotFoundException"><see cref="LinearAlgebraBackend.Native"/> was asked and no native library loads.</exception>
    public static string DescribeLinearAlgebra(LinearAlgebraBackend backend = LinearAlgebraBackend.Auto) => LinearAlgebra.For(backend).Name;
}
