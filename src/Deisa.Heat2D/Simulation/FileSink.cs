using Deisa.Heat2D.Output;

namespace Deisa.Heat2D.Simulation;

/// <summary>
/// Mode posthoc: every step of every block goes to a .npy file, for the analytics to read after the run; each file is
/// on the storage device before the simulation goes on (fsync), as output meant for a later job must be.
/// </summary>
internal sealed class FileSink(string folder, Decomposition place) : IStepSink
{
    private readonly double[] _interior = new double[place.BlockHeight * place.BlockWidth];
    private long _written;
    private long _bytes;

    /// <summary>The file of one block of one step.</summary>
    public static string PathOf(string folder, int step, int py, int px) => Path.Combine(folder, $"global_t_{step:D5}_{py}_{px}.npy");

    public StepPublication Publish(int step, HeatBlock block)
    {
        // Written before returning: one buffer serves every step.
        block.CopyInterior(_interior);
        NpyFile.Write(PathOf(folder, step, place.Py, place.Px), _interior, durable: true, block.Rows, block.Cols);
        _written++;
        _bytes += _interior.Length * sizeof(double);
        return default;
    }

    public ShippingStatistics Statistics => new(_written, 0, _bytes, 0);

    public void Finish()
    {
    }
}
