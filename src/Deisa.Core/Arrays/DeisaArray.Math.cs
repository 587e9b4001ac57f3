using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <content>Element-wise arithmetic, reductions and differences.</content>
public sealed partial class DeisaArray
{
    private const int CombineFanIn = 8;

    /// <summary>Adds two arrays of the same shape element by element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">An array of the same shape.</param>
    /// <returns>The sum.</returns>
    public static DeisaArray operator +(DeisaArray left, DeisaArray right) => Add(left, right);

    /// <summary>Subtracts two arrays of the same shape element by element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">An array of the same shape.</param>
    /// <returns>The difference.</returns>
    public static DeisaArray operator -(DeisaArray left, DeisaArray right) => Subtract(left, right);

    /// <summary>Multiplies two arrays of the same shape element by element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">An array of the same shape.</param>
    /// <returns>The product.</returns>
    public static DeisaArray operator *(DeisaArray left, DeisaArray right) => Multiply(left, right);

    /// <summary>Divides two arrays of the same shape element by element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">An array of the same shape.</param>
    /// <returns>The quotient.</returns>
    public static DeisaArray operator /(DeisaArray left, DeisaArray right) => Divide(left, right);

    /// <summary>Adds a number to every element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">A number.</param>
    /// <returns>The sum.</returns>
    public static DeisaArray operator +(DeisaArray left, double right) => left.WithScalar('+', right, scalarFirst: false);

    /// <summary>Adds a number to every element.</summary>
    /// <param name="left">A number.</param>
    /// <param name="right">An array.</param>
    /// <returns>The sum.</returns>
    public static DeisaArray operator +(double left, DeisaArray right) => right.WithScalar('+', left, scalarFirst: true);

    /// <summary>Subtracts a number from every element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">A number.</param>
    /// <returns>The difference.</returns>
    public static DeisaArray operator -(DeisaArray left, double right) => left.WithScalar('-', right, scalarFirst: false);

    /// <summary>Subtracts every element from a number.</summary>
    /// <param name="left">A number.</param>
    /// <param name="right">An array.</param>
    /// <returns>The difference.</returns>
    public static DeisaArray operator -(double left, DeisaArray right) => right.WithScalar('-', left, scalarFirst: true);

    /// <summary>Multiplies every element by a number.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">A number.</param>
    /// <returns>The product.</returns>
    public static DeisaArray operator *(DeisaArray left, double right) => left.WithScalar('*', right, scalarFirst: false);

    /// <summary>Multiplies every element by a number.</summary>
    /// <param name="left">A number.</param>
    /// <param name="right">An array.</param>
    /// <returns>The product.</returns>
    public static DeisaArray operator *(double left, DeisaArray right) => right.WithScalar('*', left, scalarFirst: true);

    /// <summary>Divides every element by a number.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">A number.</param>
    /// <returns>The quotient.</returns>
    public static DeisaArray operator /(DeisaArray left, double right) => left.WithScalar('/', right, scalarFirst: false);

    /// <summary>Divides a number by every element.</summary>
    /// <param name="left">A number.</param>
    /// <param name="right">An array.</param>
    /// <returns>The quotient.</returns>
    public static DeisaArray operator /(double left, DeisaArray right) => right.WithScalar('/', left, scalarFirst: true);

    /// <summary>Negates every element.</summary>
    /// <param name="array">An array.</param>
    /// <returns>The negation.</returns>
    public static DeisaArray operator -(DeisaArray array) => Negate(array);

    /// <summary>Adds two arrays of the same shape element by element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">An array of the same shape.</param>
    /// <returns>The sum.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static DeisaArray Add(DeisaArray left, DeisaArray right) => Elementwise('+', left, right, "add");

    /// <summary>Subtracts two arrays of the same shape element by element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">An array of the same shape.</param>
    /// <returns>The difference.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static DeisaArray Subtract(DeisaArray left, DeisaArray right) => Elementwise('-', left, right, "subtract");

    /// <summary>Multiplies two arrays of the same shape element by element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">An array of the same shape.</param>
    /// <returns>The product.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static DeisaArray Multiply(DeisaArray left, DeisaArray right) => Elementwise('*', left, right, "multiply");

    /// <summary>Divides two arrays of the same shape element by element.</summary>
    /// <param name="left">An array.</param>
    /// <param name="right">An array of the same shape.</param>
    /// <returns>The quotient.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static DeisaArray Divide(DeisaArray left, DeisaArray right) => Elementwise('/', left, right, "divide");

    /// <summary>Negates every element.</summary>
    /// <param name="array">An array.</param>
    /// <returns>The negation.</returns>
    public static DeisaArray Negate(DeisaArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        return array.WithScalar('*', -1, scalarFirst: false);
    }

    /// <summary>Sums over dimensions (all when none are named).</summary>
    /// <param name="dimensions">The dimensions to reduce.</param>
    /// <returns>The array without those dimensions.</returns>
    public DeisaArray Sum(params string[] dimensions) => Reduce(Reduction.Sum, dimensions);

    /// <summary>Averages over dimensions (all when none are named).</summary>
    /// <param name="dimensions">The dimensions to reduce.</param>
    /// <returns>The array without those dimensions.</returns>
    public DeisaArray Mean(params string[] dimensions) => Reduce(Reduction.Mean, dimensions);

    /// <summary>Takes the minimum over dimensions (all when none are named).</summary>
    /// <param name="dimensions">The dimensions to reduce.</param>
    /// <returns>The array without those dimensions.</returns>
    public DeisaArray Min(params string[] dimensions) => Reduce(Reduction.Min, dimensions);

    /// <summary>Takes the maximum over dimensions (all when none are named).</summary>
    /// <param name="dimensions">The dimensions to reduce.</param>
    /// <returns>The array without those dimensions.</returns>
    public DeisaArray Max(params string[] dimensions) => Reduce(Reduction.Max, dimensions);

    /// <summary>Takes the population variance over dimensions (all when none are named).</summary>
    /// <param name="dimensions">The dimensions to reduce.</param>
    /// <returns>The array without those dimensions.</returns>
    public DeisaArray Var(params string[] dimensions) => Reduce(Reduction.Var, dimensions);

    /// <summary>Takes the population standard deviation over dimensions (all when none are named).</summary>
    /// <param name="dimensions">The dimensions to reduce.</param>
    /// <returns>The array without those dimensions.</returns>
    public DeisaArray Std(params string[] dimensions) => Reduce(Reduction.Std, dimensions);

    /// <summary>Reduces over dimensions, chunk by chunk and then in a tree, so that no task reads everything.</summary>
    /// <param name="reduction">What to compute.</param>
    /// <param name="dimensions">The dimensions to reduce; all when empty.</param>
    /// <returns>The array without those dimensions (a 0-dimensional array when all are reduced).</returns>
    /// <exception cref="ArgumentException">A dimension does not exist, or is named twice.</exception>
    public DeisaArray Reduce(Reduction reduction, params string[] dimensions)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        bool[] reduced = new bool[Rank];
        foreach (string dimension in dimensions)
        {
            int axis = Axis(dimension);
            if (reduced[axis])
            {
                throw new ArgumentException($"The dimension '{dimension}' is named twice.", nameof(dimensions));
            }

            reduced[axis] = true;
        }

        if (dimensions.Length == 0)
        {
            Array.Fill(reduced, true);
        }

        string name = DeisaArrays.NewName(reduction.ToString().ToLowerInvariant());
        var layer = new TaskGraph();
        long[] reducedFlags = [.. reduced.Select(r => r ? 1L : 0L)];
        int[] kept = [.. Enumerable.Range(0, Rank).Where(d => !reduced[d])];
        var groups = new Dictionary<string, (int[] OutChunk, List<TaskKey> Partials)>();
        foreach (int[] chunk in ChunkIndices())
        {
            var partial = new TaskKey(name + "-partial", chunk);
            layer.Add(partial, TaskSpec.Create(Op(ArrayOperations.Partial), (long)reduction, TaskArg.FromInt64Array(reducedFlags), KeyOf(chunk), ShapeArg(ChunkShape(chunk))));
            int[] outChunk = [.. kept.Select(d => chunk[d])];
            string id = string.Join(",", outChunk);
            if (!groups.TryGetValue(id, out (int[] OutChunk, List<TaskKey> Partials) group))
            {
                group = (outChunk, []);
                groups.Add(id, group);
            }

            group.Partials.Add(partial);
        }

        if (groups.Count == 0)
        {
            AddIdentity(reduction, layer, name, kept, dimensions);
        }

        foreach ((int[] outChunk, List<TaskKey> partials) in groups.Values)
        {
            // A tree of combines, at most eight inputs each, so a reduction over thousands of steps stays shallow.
            List<TaskKey> level = partials;
            for (int depth = 0; level.Count > CombineFanIn; depth++)
            {
                var next = new List<TaskKey>();
                for (int i = 0; i < level.Count; i += CombineFanIn)
                {
                    var combined = new TaskKey($"{name}-combine{depth}", [.. outChunk, i / CombineFanIn]);
                    layer.Add(combined, TaskSpec.Create(Op(ArrayOperations.Combine), (long)reduction, TaskArg.FromKeys(level.Skip(i).Take(CombineFanIn)), false, TaskArg.Null));
                    next.Add(combined);
                }

                level = next;
            }

            int[] outShape = [.. kept.Select(d => (int)ChunkArray[d][outChunk[Array.IndexOf(kept, d)]])];
            layer.Add(new TaskKey(name, outChunk), TaskSpec.Create(Op(ArrayOperations.Combine), (long)reduction, TaskArg.FromKeys(level), true, ShapeArg(outShape)));
        }

        return Derived(name, $"{Expression}.{reduction}({Quoted(dimensions)})", [.. kept.Select(d => ShapeArray[d])], [.. kept.Select(d => DimensionArray[d])], [.. kept.Select(d => ChunkArray[d])], layer, this);
    }

    /// <summary>
    /// Fills the output chunks of a reduction over a dimension with no elements with the reduction's identity, as
    /// NumPy does: 0 for a sum, NaN for a mean, a variance or a deviation. A minimum or maximum of nothing has no
    /// value: refused when the array is built.
    /// </summary>
    private void AddIdentity(Reduction reduction, TaskGraph layer, string name, int[] kept, string[] dimensions)
    {
        double identity = reduction switch
        {
            Reduction.Sum => 0,
            Reduction.Mean or Reduction.Var or Reduction.Std => double.NaN,
            _ => throw new ArgumentException(
                $"Cannot take the {(reduction == Reduction.Min ? "minimum" : "maximum")} of {this} over {DescribeReduced(dimensions)}: the selection is empty along " +
                $"{string.Join(", ", Enumerable.Range(0, Rank).Where(d => ShapeArray[d] == 0 && !kept.Contains(d)).Select(d => $"'{DimensionArray[d]}'"))}, and a " +
                $"{(reduction == Reduction.Min ? "minimum" : "maximum")} of no elements has no value. Check the slice's bounds.",
                nameof(dimensions)),
        };
        foreach (int[] outChunk in ChunkIndices([.. kept.Select(d => ChunkArray[d].Length)]))
        {
            int[] outShape = [.. kept.Select((d, i) => (int)ChunkArray[d][outChunk[i]])];
            layer.Add(new TaskKey(name, outChunk), TaskSpec.Create(Op(ArrayOperations.Fill), ShapeArg(outShape), identity));
        }
    }

    private static string DescribeReduced(string[] dimensions) =>
        dimensions.Length == 0 ? "every dimension" : string.Join(", ", dimensions.Select(d => $"'{d}'"));

    /// <summary>Differences along a dimension: element i is x[i + 1] - x[i], so the dimension loses one element.</summary>
    /// <param name="dimension">The dimension, such as time for a time derivative (divide by the step's duration).</param>
    /// <returns>The differences.</returns>
    /// <exception cref="ArgumentException">No such dimension, or it has a single element.</exception>
    public DeisaArray Diff(string dimension)
    {
        int axis = Axis(dimension);
        if (ShapeArray[axis] < 2)
        {
            throw new ArgumentException($"Cannot take differences along '{dimension}' of {this}: it has {ShapeArray[axis]} element(s).", nameof(dimension));
        }

        string name = DeisaArrays.NewName("diff");
        var layer = new TaskGraph();
        int last = ChunkArray[axis].Length - 1;
        foreach (int[] chunk in ChunkIndices())
        {
            int c = chunk[axis];
            if (c == last && ChunkArray[axis][c] == 1)
            {
                // The last chunk holds one element, whose difference belongs to the chunk before it.
                continue;
            }

            TaskArg next = TaskArg.Null;
            TaskArg nextShape = TaskArg.Null;
            if (c < last)
            {
                int[] following = (int[])chunk.Clone();
                following[axis]++;
                next = KeyOf(following);
                nextShape = ShapeArg(ChunkShape(following));
            }

            layer.Add(new TaskKey(name, chunk), TaskSpec.Create(Op(ArrayOperations.Diff), axis, KeyOf(chunk), ShapeArg(ChunkShape(chunk)), next, nextShape));
        }

        long[][] chunks = [.. ChunkArray];
        long[] sizes = [.. ChunkArray[axis]];
        sizes[last]--;
        chunks[axis] = sizes[last] == 0 ? sizes[..last] : sizes;
        long[] shape = [.. ShapeArray];
        shape[axis]--;
        return Derived(name, $"{Expression}.Diff(\"{dimension}\")", shape, [.. DimensionArray], chunks, layer, this);
    }

    private static DeisaArray Elementwise(char op, DeisaArray left, DeisaArray right, string verb)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (!left.ShapeArray.SequenceEqual(right.ShapeArray))
        {
            throw new ArgumentException(
                $"Cannot {verb} {left} and {right}: their shapes [{string.Join(", ", left.ShapeArray)}] and [{string.Join(", ", right.ShapeArray)}] differ.",
                nameof(right));
        }

        DeisaArray aligned = right.RechunkLike(left);
        string name = DeisaArrays.NewName(verb);
        var layer = new TaskGraph();
        foreach (int[] chunk in left.ChunkIndices())
        {
            TaskArg shape = ShapeArg(left.ChunkShape(chunk));
            layer.Add(new TaskKey(name, chunk), TaskSpec.Create(left.Op(ArrayOperations.Binary), op.ToString(), left.KeyOf(chunk), shape, aligned.KeyOf(chunk), shape));
        }

        return left.Derived(name, $"({left.Expression} {op} {right.Expression})", [.. left.ShapeArray], [.. left.DimensionArray], [.. left.ChunkArray], layer, left, aligned);
    }

    private DeisaArray WithScalar(char op, double scalar, bool scalarFirst)
    {
        string name = DeisaArrays.NewName("scalar");
        var layer = new TaskGraph();
        foreach (int[] chunk in ChunkIndices())
        {
            layer.Add(new TaskKey(name, chunk), TaskSpec.Create(Op(ArrayOperations.Scalar), op.ToString(), KeyOf(chunk), ShapeArg(ChunkShape(chunk)), scalar, scalarFirst));
        }

        string number = scalar.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Derived(name, scalarFirst ? $"({number} {op} {Expression})" : $"({Expression} {op} {number})", [.. ShapeArray], [.. DimensionArray], [.. ChunkArray], layer, this);
    }
}
