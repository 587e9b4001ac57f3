using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace Deisa.Ml.Numerics;

/// <summary>
/// BLAS and LAPACK from the system's OpenBLAS (or any LP64 LAPACK), called through function pointers looked up
/// at run time, so the library is optional: without it the managed provider takes over.
/// </summary>
/// <remarks>
/// Fortran entry points take every argument by reference and the lengths of character arguments as hidden
/// trailing size_t arguments (gfortran's convention, which OpenBLAS and reference LAPACK use on Linux).
/// OpenBLAS computes with one thread unless <see cref="DeisaMl.BlasThreads"/>, <c>OPENBLAS_NUM_THREADS</c> or
/// <c>OMP_NUM_THREADS</c> asks for more: the analytics ranks already run one task per executor thread and share
/// cores with the simulation, where OpenBLAS's own threads would only oversubscribe them; and the bits of a result
/// depend on how many threads split its sums (measured: one and two threads differ in the last digits), so the count
/// must not change behind the user's back. It is put in the native environment before the library loads, so that no
/// idle pool is started either.
/// </remarks>
internal sealed unsafe partial class NativeLapack : ILinearAlgebra
{
    /// <summary>The environment variable that names the library to load instead of the defaults.</summary>
    public const string PathVariable = "DEISA_LAPACK_LIBRARY";

    /// <summary>The variable OpenBLAS reads, when it is loaded, to size its thread pool.</summary>
    public const string OpenBlasThreadsVariable = "OPENBLAS_NUM_THREADS";

    /// <summary>The variable a DYNAMIC_ARCH OpenBLAS reads, when it is loaded, to use one CPU's kernels instead of detecting them.</summary>
    public const string OpenBlasCoreTypeVariable = "OPENBLAS_CORETYPE";

    private static readonly Lock s_optionLock = new();
    private static int s_threadsOption;
    private static bool s_loadStarted;

    private static readonly string[] s_candidates = ["libopenblas.so.0", "libopenblas.so", "liblapack.so.3"];
    private static readonly Lazy<(NativeLapack? Library, string Reason)> s_loaded = new(Load);

    private readonly delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, nuint, nuint, void> _dgemm;
    private readonly delegate* unmanaged<byte*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*, int*, nuint, void> _dgesdd;
    private readonly delegate* unmanaged<int*, int*, double*, int*, double*, double*, int*, int*, void> _dgeqrf;
    private readonly delegate* unmanaged<int*, int*, int*, double*, int*, double*, double*, int*, int*, void> _dorgqr;

    private NativeLapack(string name, IntPtr handle, int threads, string source)
    {
        _dgemm = (delegate* unmanaged<byte*, byte*, int*, int*, int*, double*, double*, int*, double*, int*, double*, double*, int*, nuint, nuint, void>)NativeLibrary.GetExport(handle, "dgemm_");
        _dgesdd = (delegate* unmanaged<byte*, int*, int*, double*, int*, double*, double*, int*, double*, int*, double*, int*, int*, int*, nuint, void>)NativeLibrary.GetExport(handle, "dgesdd_");
        _dgeqrf = (delegate* unmanaged<int*, int*, double*, int*, double*, double*, int*, int*, void>)NativeLibrary.GetExport(handle, "dgeqrf_");
        _dorgqr = (delegate* unmanaged<int*, int*, int*, double*, int*, double*, double*, int*, int*, void>)NativeLibrary.GetExport(handle, "dorgqr_");
        string description = name;
        if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out IntPtr setThreads))
        {
            // Also when the library was loaded before Deisa.Ml (then its pool may be larger, but only this many run).
            ((delegate* unmanaged<int, void>)setThreads)(threads);
        }

        if (NativeLibrary.TryGetExport(handle, "openblas_get_config", out IntPtr getConfig) &&
            Marshal.PtrToStringUTF8(((delegate* unmanaged<IntPtr>)getConfig)()) is { Length: > 0 } config)
        {
            description += $": {config.Trim()}";
        }

        Threads = NativeLibrary.TryGetExport(handle, "openblas_get_num_threads", out IntPtr getThreads)
            ? ((delegate* unmanaged<int>)getThreads)()
            : 1;
        description += $", {Threads} thread{(Threads == 1 ? string.Empty : "s")} ({source})";
        Description = description;
        Name = $"native ({description})";
    }

    /// <summary>Gets or sets the thread count <see cref="DeisaMl.BlasThreads"/> asks for; 0 leaves it to the environment.</summary>
    /// <exception cref="InvalidOperationException">Set after the library was loaded with another count.</exception>
    public static int ThreadsOption
    {
        get => Volatile.Read(ref s_threadsOption);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            lock (s_optionLock)
            {
                if (s_loadStarted && value != s_threadsOption)
                {
                    throw new InvalidOperationException(
                        $"The native BLAS was already loaded with the thread count it has; set {nameof(DeisaMl)}.{nameof(DeisaMl.BlasThreads)} before the first fit or projection, on every rank.");
                }

                s_threadsOption = value;
            }
        }
    }

    /// <summary>Gets the library and what was loaded, or null and why not.</summary>
    public static (NativeLapack? Library, string Reason) Loaded => s_loaded.Value;

    public string Name { get; }

    /// <summary>Gets the library, its build and how many threads it computes with.</summary>
    public string Description { get; }

    /// <summary>Gets the thread count the library reports (1 for a library that cannot say).</summary>
    public int Threads { get; }

    public void Multiply(bool transposeA, bool transposeB, int m, int n, int k, double[] a, double[] b, double[] c)
    {
        byte ta = transposeA ? (byte)'T' : (byte)'N';
        byte tb = transposeB ? (byte)'T' : (byte)'N';
        int lda = Math.Max(1, transposeA ? k : m);
        int ldb = Math.Max(1, transposeB ? n : k);
        int ldc = Math.Max(1, m);
        double alpha = 1.0;
        double beta = 0.0;
        fixed (double* pa = a, pb = b, pc = c)
        {
            _dgemm(&ta, &tb, &m, &n, &k, &alpha, pa, &lda, pb, &ldb, &beta, pc, &ldc, 1, 1);
        }
    }

    public void Svd(int rows, int cols, double[] a, double[] s, double[]? u, double[] vt)
    {
        int min = Math.Min(rows, cols);
        if (u is null && rows < cols)
        {
            throw new ArgumentException("Only a tall matrix can skip its left vectors.", nameof(u));
        }

        // 'O' (rows ≥ cols) leaves the left vectors in a instead of a separate array nobody reads.
        byte job = u is null ? (byte)'O' : (byte)'S';
        int lda = Math.Max(1, rows);
        int ldu = Math.Max(1, rows);
        int ldvt = Math.Max(1, min);
        int[] iwork = GC.AllocateUninitializedArray<int>(8 * min);
        int info;
        int query = -1;
        double size;
        fixed (double* pa = a, ps = s, pu = u, pvt = vt)
        fixed (int* piwork = iwork)
        {
            _dgesdd(&job, &rows, &cols, pa, &lda, ps, pu, &ldu, pvt, &ldvt, &size, &query, piwork, &info, 1);
            Check("dgesdd", info);
            int lwork = checked((int)size);
            double[] work = GC.AllocateUninitializedArray<double>(lwork);
            fixed (double* pwork = work)
            {
                _dgesdd(&job, &rows, &cols, pa, &lda, ps, pu, &ldu, pvt, &ldvt, pwork, &lwork, piwork, &info, 1);
            }
        }

        Check("dgesdd", info);
    }

    public void Orthonormalize(int rows, int cols, double[] a)
    {
        int lda = Math.Max(1, rows);
        double[] tau = new double[Math.Max(1, cols)];
        int info;
        int query = -1;
        double factorSize;
        double formSize;
        fixed (double* pa = a, ptau = tau)
        {
            _dgeqrf(&rows, &cols, pa, &lda, ptau, &factorSize, &query, &info);
            Check("dgeqrf", info);
            _dorgqr(&rows, &cols, &cols, pa, &lda, ptau, &formSize, &query, &info);
            Check("dorgqr", info);
            int lwork = Math.Max(1, checked((int)Math.Max(factorSize, formSize)));
            double[] work = new double[lwork];
            fixed (double* pwork = work)
            {
                _dgeqrf(&rows, &cols, pa, &lda, ptau, pwork, &lwork, &info);
                Check("dgeqrf", info);
                _dorgqr(&rows, &cols, &cols, pa, &lda, ptau, pwork, &lwork, &info);
            }
        }

        Check("dorgqr", info);
    }

    private static void Check(string routine, int info)
    {
        if (info < 0)
        {
            throw new InvalidOperationException($"LAPACK {routine} rejected argument {-info}: a bug in Deisa.Ml, please report it.");
        }

        if (info > 0)
        {
            throw new ArithmeticException($"LAPACK {routine} did not converge (info = {info}); the input probably holds values too large to square.");
        }
    }

    private static (NativeLapack? Library, string Reason) Load()
    {
        string? requested = Environment.GetEnvironmentVariable(PathVariable);
        IEnumerable<string> names = string.IsNullOrEmpty(requested) ? s_candidates : [requested];
        int threads;
        string source;
        lock (s_optionLock)
        {
            s_loadStarted = true;
            (threads, source) = ThreadsWanted();
        }

        // OpenBLAS sizes its thread pool from OPENBLAS_NUM_THREADS when it is loaded, and a pool once started stays
        // (openblas_set_num_threads only stops using it). The variable must be in the native environment, which
        // Environment.SetEnvironmentVariable does not reach on Unix.
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            SetNativeEnvironment(OpenBlasThreadsVariable, threads.ToString(CultureInfo.InvariantCulture));
            if (KernelsWanted() is { } kernels)
            {
                SetNativeEnvironment(OpenBlasCoreTypeVariable, kernels);
            }
        }

        var failures = new List<string>();
        foreach (string name in names)
        {
            if (!NativeLibrary.TryLoad(name, Assembly.GetExecutingAssembly(), null, out IntPtr handle))
            {
                failures.Add($"{name}: not found");
                continue;
            }

            if (!HasExports(handle, out string? missing))
            {
                failures.Add($"{name}: no {missing}");
                continue;
            }

            var library = new NativeLapack(name, handle, threads, source);
            return (library, library.Description);
        }

        return (null, string.Join("; ", failures));
    }

    /// <summary>The thread count asked for, and by whom: the option, the environment, or the default of one.</summary>
    private static (int Threads, string Source) ThreadsWanted()
    {
        if (s_threadsOption > 0)
        {
            return (s_threadsOption, $"{nameof(DeisaMl)}.{nameof(DeisaMl.BlasThreads)}");
        }

        foreach (string variable in (ReadOnlySpan<string>)[OpenBlasThreadsVariable, "GOTO_NUM_THREADS", "OMP_NUM_THREADS"])
        {
            string? value = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrWhiteSpace(value))
            {
                continue;
            }

            // OpenMP allows a list ("4,2" for nested levels); the first level is what a BLAS call gets.
            string first = value.Split(',')[0].Trim();
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int threads) || threads < 1)
            {
                throw new ArgumentException(
                    $"{variable}='{value}' is not a thread count: set it to a positive integer (1 for results that never depend on timing), or unset it.");
            }

            return (threads, variable);
        }

        return (1, "default");
    }

    /// <summary>
    /// The kernels OpenBLAS should use when the user did not choose (<c>OPENBLAS_CORETYPE</c>), from the CPU's
    /// features rather than its model: SkylakeX's where AVX-512 runs, Haswell's where AVX2 and FMA do, else null for
    /// OpenBLAS's own choice.
    /// </summary>
    /// <remarks>
    /// A DYNAMIC_ARCH OpenBLAS picks its kernels from the CPU's model. A virtual machine that hides the model gets the
    /// Prescott (SSE3) kernels, whose sums depend on the buffers' alignment: on a 2-core Xeon VM the same fit gave 12
    /// different results over 6 alignments, so the same input did not give the same bits from run to run; and they
    /// are slow (the leading-k IPCA update 29 ms against 17 ms with SkylakeX's). SkylakeX's and Haswell's kernels each
    /// gave one result at every alignment. Each CPU gets the widest it runs, so the bits are the same on one machine,
    /// not across machines of different vector widths.
    /// </remarks>
    private static string? KernelsWanted()
    {
        if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OpenBlasCoreTypeVariable)))
        {
            return null;
        }

        if (Avx512F.IsSupported && Avx512F.VL.IsSupported && Avx512BW.IsSupported && Avx512DQ.IsSupported && Avx512CD.IsSupported)
        {
            return "SkylakeX";
        }

        return Avx2.IsSupported && Fma.IsSupported ? "Haswell" : null;
    }

    private static void SetNativeEnvironment(string name, string value)
    {
        if (setenv(name, value, 1) != 0)
        {
            throw new InvalidOperationException($"Could not set {name} for the native BLAS (setenv failed with errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int setenv(string name, string value, int overwrite);

    private static bool HasExports(IntPtr handle, out string? missing)
    {
        foreach (string symbol in (ReadOnlySpan<string>)["dgemm_", "dgesdd_", "dgeqrf_", "dorgqr_"])
        {
            if (!NativeLibrary.TryGetExport(handle, symbol, out _))
            {
                missing = symbol;
                return false;
            }
        }

        missing = null;
        return true;
    }
}
