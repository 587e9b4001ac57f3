using BenchmarkDotNet.Attributes;
using Deisa.Core.Arrays;
using Deisa.Core.Coupling;

namespace Deisa.Bench.Core;

/// <summary>
/// What a downsample on the producer costs a simulation rank per publish, against copying the block (what staging or
/// an in-process producer does): a 512x512 block of doubles with one ghost cell on each side, as Heat2D publishes it,
/// downsampled by 2 into a quarter of the bytes.
/// </summary>
[MemoryDiagnoser]
public class PreprocessingBenchmark
{
    private const int Side = 512;
    private const int Stride = Side + 2;
    private readonly double[] _field = new double[Stride * Stride];
    private readonly double[] _copy = new double[Side * Side];
    private readonly double[] _coarse = new double[(Side / 2) * (Side / 2)];
    private readonly Preprocessing _downsample = Preprocessing.Downsample(2);
    private readonly ArrayDeclaration _source = new("t", ElementType.Float64, [100, 4 * Side, 4 * Side], 0, [Side, Side], [Side, Side], ["t", "X", "Y"]);
    private ArrayDeclaration _derived = null!;

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        for (int i = 0; i < _field.Length; i++)
        {
            _field[i] = random.NextDouble();
        }

        _derived = _downsample.Derive("t_coarse", _source);
    }

    /// <summary>The interior copied row by row: what a publish before the contract costs.</summary>
    [Benchmark(Baseline = true)]
    public double CopyInterior()
    {
        for (int row = 0; row < Side; row++)
        {
            _field.AsSpan(((row + 1) * Stride) + 1, Side).CopyTo(_copy.AsSpan(row * Side, Side));
        }

        return _copy[^1];
    }

    /// <summary>The downsample by 2 of the interior, in place, into the buffer that ships.</summary>
    [Benchmark]
    public double DownsampleBy2()
    {
        _downsample.Apply(new BlockView<double>(_field.AsSpan(Stride + 1), _source, Stride), _derived, _coarse);
        return _coarse[^1];
    }
}
