using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;
using Deisa.Heat2D.Simulation;

namespace Deisa.Bench.Heat2D;

/// <summary>
/// One sweep of the Heat2D stencil over a rows × cols block: the C# kernel against the same loop in C, side by side
/// on the same arrays. bench/heat2d/run_stencil_benchmark.sh builds the C library twice, with gcc -O2 (the issue's
/// reference; scalar) and with -O3 -march=native (vectorised, the strongest C baseline), and points DEISA_STENCIL_O2
/// and DEISA_STENCIL_NATIVE at them; without them only the C# kernel runs.
/// </summary>
[MemoryDiagnoser]
public unsafe class StencilBenchmark
{
    private static readonly delegate* unmanaged<double*, double*, int, int, int, void> s_o2 = Load("DEISA_STENCIL_O2");
    private static readonly delegate* unmanaged<double*, double*, int, int, int, void> s_native = Load("DEISA_STENCIL_NATIVE");
    private double[] _current = [];
    private double[] _next = [];

    [Params(256, 1024, 2048)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int stride = Size + 2;
        _current = new double[stride * stride];
        _next = new double[stride * stride];
        var random = new Random(1);
        for (int i = 0; i < _current.Length; i++)
        {
            _current[i] = random.NextDouble() * 1e6;
        }

        // Same bits from every kernel, or the comparison is meaningless.
        double[] expected = new double[_next.Length];
        HeatBlock.Stencil(_current, expected, Size, Size, stride);
        foreach (nint kernel in (nint[])[(nint)s_o2, (nint)s_native])
        {
            if (kernel == 0)
            {
                continue;
            }

            double[] actual = new double[_next.Length];
            fixed (double* c = _current, n = actual)
            {
                ((delegate* unmanaged<double*, double*, int, int, int, void>)kernel)(c, n, Size, Size, stride);
            }

            if (!expected.AsSpan().SequenceEqual(actual))
            {
                throw new InvalidOperationException("The C and C# stencils disagree: was the C library built with -ffp-contract=off?");
            }
        }
    }

    [Benchmark(Baseline = true, Description = "C#")]
    public void CSharp() => HeatBlock.Stencil(_current, _next, Size, Size, Size + 2);

    [Benchmark(Description = "C, gcc -O2")]
    public void COptimised() => Native(s_o2, "DEISA_STENCIL_O2");

    [Benchmark(Description = "C, gcc -O3 -march=native")]
    public void CNative() => Native(s_native, "DEISA_STENCIL_NATIVE");

    private void Native(delegate* unmanaged<double*, double*, int, int, int, void> kernel, string variable)
    {
        if (kernel == null)
        {
            throw new InvalidOperationException($"Set {variable} to the C stencil library (bench/heat2d/run_stencil_benchmark.sh builds it).");
        }

        fixed (double* c = _current, n = _next)
        {
            kernel(c, n, Size, Size, Size + 2);
        }
    }

    private static delegate* unmanaged<double*, double*, int, int, int, void> Load(string variable)
    {
        string? path = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(path)
            ? null
            : (delegate* unmanaged<double*, double*, int, int, int, void>)NativeLibrary.GetExport(NativeLibrary.Load(path), "deisa_heat_stencil");
    }
}
