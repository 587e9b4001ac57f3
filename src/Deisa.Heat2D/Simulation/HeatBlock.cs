using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Deisa.Heat2D.Simulation;

/// <summary>
/// One rank's block of the 2D heat field with one ghost cell on every side: the explicit 5-point scheme of the
/// original mini-app, vectorised. Three buffers, so that a published field can stay untouched while it travels to its
/// worker (zero copy) and the stencil goes on in the other two for a whole step.
/// </summary>
/// <remarks>
/// <c>next = 0.5·cur + 0.125·(((west + east) + north) + south)</c>, north being row y − 1: the additions in exactly
/// that order and no fused multiply-add (the JIT does not contract separate vector multiplies and adds), so every
/// lane computes what the scalar loop would, and every decomposition gives the same bits. Global borders are fixed
/// (Dirichlet): the left one at 1,000,000, the others at 0; the interior starts at 0.
/// </remarks>
internal sealed class HeatBlock
{
    /// <summary>The temperature of the global left border.</summary>
    public const double LeftBorder = 1_000_000;

    private double[] _next;
    private double[] _spare;
    private double[]? _lent;

    public HeatBlock(Decomposition place)
    {
        Place = place;
        Rows = place.BlockHeight;
        Cols = place.BlockWidth;
        Stride = Cols + 2;
        Current = new double[(Rows + 2) * Stride];
        _next = new double[Current.Length];
        _spare = new double[Current.Length];
        if (place.X0 == 0)
        {
            // Every buffer: the ghosts a halo exchange does not fill keep their border value in each.
            for (int y = 0; y < Rows + 2; y++)
            {
                Current[y * Stride] = LeftBorder;
                _next[y * Stride] = LeftBorder;
                _spare[y * Stride] = LeftBorder;
            }
        }
    }

    public Decomposition Place { get; }

    public int Rows { get; }

    public int Cols { get; }

    /// <summary>Gets the distance between two rows, ghosts included.</summary>
    public int Stride { get; }

    /// <summary>Gets the field now, ghosts included, row-major.</summary>
    public double[] Current { get; private set; }

    /// <summary>Gets a value indicating whether a buffer is lent (see <see cref="Lend"/>) and not yet given back.</summary>
    public bool HasLent => _lent is not null;

    /// <summary>Gets an interior cell.</summary>
    public double this[int y, int x] => Current[((y + 1) * Stride) + x + 1];

    /// <summary>
    /// Lends <see cref="Current"/> (to a publication): no iteration writes it until <see cref="GiveBack"/>; the
    /// stencil reads it once more and then alternates between the two other buffers.
    /// </summary>
    /// <returns>The lent buffer.</returns>
    /// <exception cref="InvalidOperationException">A buffer is already lent: give it back first.</exception>
    public double[] Lend()
    {
        if (_lent is not null)
        {
            throw new InvalidOperationException("A buffer of this block is already lent: give it back (its publication completed) before lending another.");
        }

        _lent = Current;
        return Current;
    }

    /// <summary>Gives the lent buffer back: it may be written again.</summary>
    public void GiveBack() => _lent = null;

    /// <summary>One iteration of the stencil over the interior, from <see cref="Current"/> (ghosts filled) into the next buffer, which becomes current.</summary>
    public void Iterate()
    {
        Stencil(Current, _next, Rows, Cols, Stride);
        double[] previous = Current;
        Current = _next;
        if (ReferenceEquals(previous, _lent))
        {
            // The lent buffer leaves the rotation; the spare takes its turn, and the lent one is the spare from now.
            _next = _spare;
            _spare = previous;
        }
        else
        {
            _next = previous;
        }
    }

    /// <summary>Copies the interior, row-major, into <paramref name="destination"/>.</summary>
    public void CopyInterior(Span<double> destination)
    {
        for (int y = 0; y < Rows; y++)
        {
            Current.AsSpan(((y + 1) * Stride) + 1, Cols).CopyTo(destination.Slice(y * Cols, Cols));
        }
    }

    /// <summary>The stencil over the rows × cols interior of <paramref name="cur"/> into <paramref name="next"/>.</summary>
    /// <remarks>
    /// <see cref="Vector{T}"/> (256 bits here): a 512-bit version measured no faster on this AVX-512 machine, the
    /// loop being bound by memory beyond small blocks (BENCHMARKS.md).
    /// </remarks>
    internal static void Stencil(double[] cur, double[] next, int rows, int cols, int stride)
    {
        ref double c0 = ref MemoryMarshal.GetArrayDataReference(cur);
        ref double n0 = ref MemoryMarshal.GetArrayDataReference(next);
        var half = new Vector<double>(0.5);
        var eighth = new Vector<double>(0.125);
        nuint width = (nuint)Vector<double>.Count;
        nuint up = (nuint)stride;
        for (int y = 1; y <= rows; y++)
        {
            nuint row = (nuint)(y * stride);
            nuint end = row + (nuint)cols + 1;
            nuint c = row + 1;
            for (; c + width <= end; c += width)
            {
                Vector<double> sum = ((Vector.LoadUnsafe(ref c0, c - 1) + Vector.LoadUnsafe(ref c0, c + 1)) + Vector.LoadUnsafe(ref c0, c - up)) + Vector.LoadUnsafe(ref c0, c + up);
                ((half * Vector.LoadUnsafe(ref c0, c)) + (eighth * sum)).StoreUnsafe(ref n0, c);
            }

            for (; c < end; c++)
            {
                Unsafe.Add(ref n0, c) = (0.5 * Unsafe.Add(ref c0, c)) +
                    (0.125 * (((Unsafe.Add(ref c0, c - 1) + Unsafe.Add(ref c0, c + 1)) + Unsafe.Add(ref c0, c - up)) + Unsafe.Add(ref c0, c + up)));
            }
        }
    }
}
