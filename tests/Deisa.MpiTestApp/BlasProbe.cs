using System.Globalization;
using System.Runtime.CompilerServices;
using Deisa.Core.Arrays;
using Deisa.Ml;
using Deisa.Ml.Numerics;

namespace Deisa.MpiTestApp;

/// <summary>
/// Scenario 'blas', run as a plain process (no MPI): loads the native BLAS through a first fit on the main thread,
/// watches the process's threads while fits run, and prints what it saw and a digest of the results' bits.
/// </summary>
/// <remarks>
/// Prints <c>BLAS threads=N extra=M digest=D distinct=K alignments=A</c>: N is what the library reports; M the threads
/// that appeared while fitting and that the .NET runtime did not start (its own are all named ".NET …"; a pool the
/// library starts from the main thread inherits the main thread's name); K the number of different results among
/// fits repeated with the buffers at A different 64-byte alignments.
/// </remarks>
internal static class BlasProbe
{
    public static int Run(string[] args)
    {
        if (Program.Arg(args, "--threads", "") is { Length: > 0 } threads)
        {
            DeisaMl.BlasThreads = int.Parse(threads, CultureInfo.InvariantCulture);
        }

        int repeats = int.Parse(Program.Arg(args, "--repeats", "12"), CultureInfo.InvariantCulture);
        NdArray[] batches = Batches(seed: 5, count: 3, samples: 400, features: 300);
        HashSet<int> before = Tasks();
        var seen = new HashSet<int>();
        using var stop = new CancellationTokenSource();
        var sampler = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                lock (seen)
                {
                    seen.UnionWith(Tasks());
                }

                Thread.Sleep(1);
            }
        })
        { Name = ".NET probe sampler", IsBackground = true };
        sampler.Start();

        var digests = new HashSet<ulong>();
        var alignments = new HashSet<long>();
        var padding = new List<double[]>();
        for (int r = 0; r < repeats; r++)
        {
            // Shift where the next arrays land: the fits' own buffers then start at other offsets in a cache line.
            padding.Add(new double[1 + (r % 8)]);
            alignments.Add(AlignmentOfNext());
            digests.Add(Fit(batches, SvdSolver.Full) ^ Fit(batches, SvdSolver.LeadingK) ^ Fit(batches, SvdSolver.Randomized));
        }

        stop.Cancel();
        sampler.Join();
        seen.UnionWith(Tasks());
        string? mainName = Name(Environment.ProcessId);
        var extra = seen.Where(t => !before.Contains(t) && Name(t) is { } name && !name.StartsWith(".NET", StringComparison.Ordinal)).ToList();
        int reported = NativeLapack.Loaded.Library?.Threads ?? 0;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"BLAS threads={reported} extra={extra.Count} digest={digests.First():x16} distinct={digests.Count} alignments={alignments.Count} main='{mainName}' library='{DeisaMl.DescribeLinearAlgebra()}' extra-names='{string.Join(",", extra.Select(Name))}'"));
        return 0;
    }

    private static ulong Fit(NdArray[] batches, SvdSolver solver)
    {
        var pca = new InSituIncrementalPCA(4, svdSolver: solver, randomState: 3, backend: LinearAlgebraBackend.Native);
        foreach (NdArray batch in batches)
        {
            pca.PartialFit(batch);
        }

        ulong digest = 14695981039346656037UL;
        IncrementalPcaState state = pca.State!;
        foreach (NdArray attribute in (ReadOnlySpan<NdArray>)[state.Components, state.SingularValues, state.ExplainedVariance, state.Mean, state.Var])
        {
            foreach (double value in attribute.Data)
            {
                digest = (digest ^ (ulong)BitConverter.DoubleToInt64Bits(value)) * 1099511628211UL;
            }
        }

        return digest;
    }

    private static unsafe long AlignmentOfNext()
    {
        double[] probe = new double[16];
        return (long)Unsafe.AsPointer(ref probe[0]) % 64;
    }

    private static NdArray[] Batches(int seed, int count, int samples, int features)
    {
        var random = new Random(seed);
        var result = new NdArray[count];
        for (int b = 0; b < count; b++)
        {
            double[] data = new double[samples * features];
            for (int i = 0; i < data.Length; i++)
            {
                int feature = i % features;
                data[i] = (random.NextDouble() - 0.5) * (1 + (feature < 6 ? 40.0 / (feature + 1) : 0)) + (0.01 * b);
            }

            result[b] = new NdArray([samples, features], data);
        }

        return result;
    }

    private static HashSet<int> Tasks() =>
        [.. Directory.GetDirectories("/proc/self/task").Select(d => int.Parse(Path.GetFileName(d), CultureInfo.InvariantCulture))];

    private static string? Name(int task)
    {
        try
        {
            return File.ReadAllText($"/proc/self/task/{task}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            // The thread ended between listing and reading.
            return null;
        }
    }
}
