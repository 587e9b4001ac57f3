using Deisa.Core.Graph;

namespace Deisa.Core.Arrays.Nodes;

/// <summary>
/// How the chunks of one <see cref="DeisaArray"/> are computed, as functions of a chunk's index: nothing is listed
/// ahead, so an array over a million steps costs what an array over ten does until its chunks are asked for.
/// </summary>
/// <remarks>
/// <para>A chunk is either computed by tasks the node adds to a <see cref="GraphSink"/> (<see cref="Emit"/>), or is
/// another array's chunk (<see cref="TryForward"/>): a slice taking whole chunks, a concatenation.</para>
/// <para>Along time, a node says which of its inputs' time chunks each of its own reads (<see cref="InputTimes"/>), and
/// how far into the simulation's steps that reaches (<see cref="SourceEnd"/>): what lets a window of steps be
/// materialised without the rest.</para>
/// </remarks>
internal abstract class ArrayNode
{
    protected ArrayNode(params DeisaArray[] inputs)
    {
        Inputs = inputs;
    }

    /// <summary>Gets the arrays this one reads.</summary>
    public DeisaArray[] Inputs { get; }

    /// <summary>Gets or sets the array this node computes (set once, when the array is made).</summary>
    public DeisaArray Array { get; set; } = null!;

    /// <summary>Gets the key of a chunk that is this node's own (not forwarded).</summary>
    public abstract TaskKey KeyOf(ReadOnlySpan<int> chunk);

    /// <summary>Says whether a chunk is another array's chunk, and which.</summary>
    /// <param name="chunk">The chunk.</param>
    /// <param name="input">The array that holds it.</param>
    /// <param name="inputChunk">Its index there.</param>
    /// <returns>True for a forwarded chunk.</returns>
    public virtual bool TryForward(ReadOnlySpan<int> chunk, out DeisaArray input, out int[] inputChunk)
    {
        input = null!;
        inputChunk = [];
        return false;
    }

    /// <summary>Adds the tasks that compute a chunk of this node's own, asking the sink for their inputs' chunks.</summary>
    /// <param name="chunk">The chunk.</param>
    /// <param name="key">Its key.</param>
    /// <param name="sink">Where the tasks go.</param>
    public abstract void Emit(ReadOnlySpan<int> chunk, TaskKey key, GraphSink sink);

    /// <summary>Gets the time chunks of input <paramref name="input"/> that this array's time chunk <paramref name="time"/> reads.</summary>
    /// <param name="input">The input's position.</param>
    /// <param name="time">A time chunk of this array (0 for an array without a time axis).</param>
    /// <returns>The first and last, or (-1, -1) when it reads none of that input, or the input has no time axis.</returns>
    public abstract (int First, int Last) InputTimes(int input, int time);

    /// <summary>
    /// Gets the earliest time chunk of input <paramref name="input"/> that this array's time chunk <paramref name="time"/>
    /// or any later one reads: what a window must keep of that input for what is still to come.
    /// </summary>
    /// <returns>The time chunk, or -1 when none of them reads that input.</returns>
    public virtual int FirstReadFrom(int input, int time) => InputTimes(input, time).First;

    /// <summary>
    /// Gets the end (excluded) of the simulation steps that time chunk <paramref name="time"/> of this array needs: it
    /// can be computed once the simulation has shipped those. For an array without a time axis, of the whole array.
    /// </summary>
    /// <param name="time">The time chunk (0 without a time axis).</param>
    /// <returns>A number of steps.</returns>
    public virtual long SourceEnd(int time)
    {
        long end = 0;
        for (int i = 0; i < Inputs.Length; i++)
        {
            (int first, int last) = InputTimes(i, time);
            DeisaArray input = Inputs[i];
            if (input.TimeAxis < 0)
            {
                end = Math.Max(end, input.Node.SourceEnd(0));
            }
            else if (last >= first && first >= 0)
            {
                end = Math.Max(end, input.Node.SourceEnd(last));
            }
        }

        return end;
    }

    /// <summary>Asks the inputs, through <paramref name="sink"/>, for the chunks a region of this array reads.</summary>
    /// <param name="region">Chunks of this array.</param>
    /// <param name="sink">Collects what the simulation's arrays must provide.</param>
    public abstract void Require(Region region, RequirementSink sink);

    /// <summary>Gets the shape of a chunk as a task argument.</summary>
    protected static TaskArg ShapeArg(ReadOnlySpan<int> shape)
    {
        long[] values = new long[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            values[i] = shape[i];
        }

        return TaskArg.FromInt64Array(values);
    }

    /// <summary>Gets a registered array operation.</summary>
    protected Operation Op(string name) => Array.Context.Operations.Get(name);
}
