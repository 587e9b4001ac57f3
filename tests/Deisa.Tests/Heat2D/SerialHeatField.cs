namespace Deisa.Tests.Heat2D;

/// <summary>
/// An independent serial implementation of the mini-app's field, for the tests: a serial 2D heat field with one ghost cell on every side: fixed (Dirichlet) borders, the left one at
/// 1,000,000, and the explicit 5-point scheme of the original mini-app.
/// </summary>
public sealed class SerialHeatField
{
    private const double LeftBorder = 1_000_000;

    private readonly int _height;
    private readonly int _width;
    private double[] _current;
    private double[] _next;

    /// <summary>Creates a field of <paramref name="height"/> x <paramref name="width"/> interior cells at 0.</summary>
    /// <param name="height">Interior rows.</param>
    /// <param name="width">Interior columns.</param>
    public SerialHeatField(int height, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        _height = height;
        _width = width;
        _current = new double[(height + 2) * (width + 2)];
        _next = new double[_current.Length];
        for (int y = 0; y < height + 2; y++)
        {
            _current[y * (width + 2)] = LeftBorder;
            _next[y * (width + 2)] = LeftBorder;
        }
    }

    /// <summary>Gets an interior cell.</summary>
    /// <param name="y">Row, from 0.</param>
    /// <param name="x">Column, from 0.</param>
    /// <returns>The temperature.</returns>
    public double this[int y, int x] => _current[((y + 1) * (_width + 2)) + x + 1];

    /// <summary>Runs <paramref name="iterations"/> steps of the stencil.</summary>
    /// <param name="iterations">The number of iterations.</param>
    public void Advance(int iterations)
    {
        int stride = _width + 2;
        for (int i = 0; i < iterations; i++)
        {
            for (int y = 1; y <= _height; y++)
            {
                int row = y * stride;
                for (int x = 1; x <= _width; x++)
                {
                    int c = row + x;

                    // The original's order of additions, so every decomposition gives the same bits.
                    _next[c] = (0.5 * _current[c]) + (0.125 * (((_current[c - 1] + _current[c + 1]) + _current[c - stride]) + _current[c + stride]));
                }
            }

            (_current, _next) = (_next, _current);
        }
    }

    /// <summary>Copies block (<paramref name="by"/>, <paramref name="bx"/>) of a <paramref name="blocksY"/> x <paramref name="blocksX"/> split.</summary>
    /// <param name="by">Block row.</param>
    /// <param name="bx">Block column.</param>
    /// <param name="blocksY">Blocks along rows.</param>
    /// <param name="blocksX">Blocks along columns.</param>
    /// <returns>The block's cells, row-major.</returns>
    public double[] CopyBlock(int by, int bx, int blocksY, int blocksX)
    {
        (int y0, int rows) = Split(_height, blocksY, by);
        (int x0, int cols) = Split(_width, blocksX, bx);
        double[] block = new double[rows * cols];
        for (int y = 0; y < rows; y++)
        {
            for (int x = 0; x < cols; x++)
            {
                block[(y * cols) + x] = this[y0 + y, x0 + x];
            }
        }

        return block;
    }

    private static (int Start, int Count) Split(int size, int parts, int index)
    {
        int baseCount = size / parts;
        int extra = size % parts;
        int start = (index * baseCount) + Math.Min(index, extra);
        return (start, baseCount + (index < extra ? 1 : 0));
    }
}
