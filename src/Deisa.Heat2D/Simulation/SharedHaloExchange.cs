namespace Deisa.Heat2D.Simulation;

/// <summary>
/// Halo exchange between simulation ranks that are threads of one process: after a barrier every block copies its
/// ghosts from its neighbours' current buffers, and a second barrier keeps anyone from iterating while others read.
/// </summary>
internal sealed class SharedHaloExchange : IHaloExchange, IDisposable
{
    private readonly HeatBlock[] _blocks;
    private readonly Barrier _barrier;
    private readonly CancellationToken _cancellation;

    /// <param name="blocks">Every rank's block, by simulation rank.</param>
    /// <param name="cancellation">Cancelled when any rank fails, so the others leave the barrier instead of waiting forever.</param>
    public SharedHaloExchange(HeatBlock[] blocks, CancellationToken cancellation)
    {
        _blocks = blocks;
        _barrier = new Barrier(blocks.Length);
        _cancellation = cancellation;
    }

    public void Exchange(HeatBlock block)
    {
        _barrier.SignalAndWait(_cancellation);
        Decomposition place = block.Place;
        int rows = block.Rows;
        int cols = block.Cols;
        int stride = block.Stride;
        double[] field = block.Current;
        if (place.North != Decomposition.None)
        {
            HeatBlock north = _blocks[place.North];
            north.Current.AsSpan((rows * stride) + 1, cols).CopyTo(field.AsSpan(1, cols));
        }

        if (place.South != Decomposition.None)
        {
            HeatBlock south = _blocks[place.South];
            south.Current.AsSpan(stride + 1, cols).CopyTo(field.AsSpan(((rows + 1) * stride) + 1, cols));
        }

        if (place.West != Decomposition.None)
        {
            double[] west = _blocks[place.West].Current;
            for (int y = 1; y <= rows; y++)
            {
                field[y * stride] = west[(y * stride) + cols];
            }
        }

        if (place.East != Decomposition.None)
        {
            double[] east = _blocks[place.East].Current;
            for (int y = 1; y <= rows; y++)
            {
                field[(y * stride) + cols + 1] = east[(y * stride) + 1];
            }
        }

        _barrier.SignalAndWait(_cancellation);
    }

    public void Dispose() => _barrier.Dispose();
}
