using Deisa.Core.Arrays.Nodes;

namespace Deisa.Core.Arrays;

/// <content>Element-wise arithmetic, reductions and differences.</content>
public sealed partial class DeisaArray
{
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
    /// <remarks>Two open-ended arrays are combined step by step, as every element-wise operator does: the result ends
    /// with the one that ends first (<c>a[1..] - a</c> has one step less than <c>a</c>).</remarks>
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
        int[] kept = [.. Enumerable.Range(0, Rank).Where(d => !reduced[d])];

        // Nothing to reduce along a dimension with no chunk: the result is the reduction's identity, or an error.
        double? identity = Enumerable.Range(0, Rank).Any(d => reduced[d] && Axes[d].Count == 0) ? Identity(reduction, kept, dimensions) : null;
        int timeAxis = TimeAxis >= 0 && !reduced[TimeAxis] ? Array.IndexOf(kept, TimeAxis) : -1;
        return Derived(
            name,
            $"{Expression}.{reduction}({Quoted(dimensions)})",
            [.. kept.Select(d => ShapeArray[d])],
            [.. kept.Select(d => DimensionArray[d])],
            [.. kept.Select(d => Axes[d])],
            timeAxis,
            new ReduceNode(name, this, reduction, reduced, identity));
    }

    /// <summary>
    /// The identity of a reduction over a dimension with no elements, as NumPy gives it: 0 for a sum, NaN for a mean,
    /// a variance or a deviation. A minimum or maximum of nothing has no value: refused when the array is built.
    /// </summary>
    private double Identity(Reduction reduction, int[] kept, string[] dimensions) => reduction switch
    {
        Reduction.Sum => 0,
        Reduction.Mean or Reduction.Var or Reduction.Std => double.NaN,
        _ => throw new ArgumentException(
            $"Cannot take the {(reduction == Reduction.Min ? "minimum" : "maximum")} of {this} over {DescribeReduced(dimensions)}: the selection is empty along " +
            $"{string.Join(", ", Enumerable.Range(0, Rank).Where(d => ShapeArray[d] == 0 && !kept.Contains(d)).Select(d => $"'{DimensionArray[d]}'"))}, and a " +
            $"{(reduction == Reduction.Min ? "minimum" : "maximum")} of no elements has no value. Check the slice's bounds.",
            nameof(dimensions)),
    };

    private static string DescribeReduced(string[] dimensions) =>
        dimensions.Length == 0 ? "every dimension" : string.Join(", ", dimensions.Select(d => $"'{d}'"));

    /// <summary>Differences along a dimension: element i is x[i + 1] - x[i], so the dimension loses one element (along an
    /// open-ended time dimension, the differences stay open and end a step before the run's steps).</summary>
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
        ChunkAxis[] axes = [.. Axes];
        long[] shape = [.. ShapeArray];
        if (axis != TimeAxis || !IsOpenEnded)
        {
            // Along an open run, the differences end a step before the steps do, when the run ends: the axis stays open.
            ChunkAxis along = Axes[axis];
            axes[axis] = along.WithLastSize(along[along.Count - 1] - 1);
            shape[axis]--;
        }

        return Derived(name, $"{Expression}.Diff(\"{dimension}\")", shape, [.. DimensionArray], axes, TimeAxis, new DiffNode(name, this, axis));
    }

    private static DeisaArray Elementwise(char op, DeisaArray left, DeisaArray right, string verb)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (!left.ShapeArray.SequenceEqual(right.ShapeArray) || left.IsOpenEnded != right.IsOpenEnded)
        {
            throw new ArgumentException(
                $"Cannot {verb} {left} and {right}: their shapes [{string.Join(", ", left.ShapeArray)}] and [{string.Join(", ", right.ShapeArray)}] differ.",
                nameof(right));
        }

        DeisaArray aligned = right.RechunkLike(left);
        string name = DeisaArrays.NewName(verb);
        return left.Derived(
            name,
            $"({left.Expression} {op} {right.Expression})",
            [.. left.ShapeArray],
            [.. left.DimensionArray],
            [.. left.Axes],
            left.TimeAxis,
            new BinaryNode(name, op, left, aligned));
    }

    private DeisaArray WithScalar(char op, double scalar, bool scalarFirst)
    {
        string name = DeisaArrays.NewName("scalar");
        string number = scalar.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Derived(
            name,
            scalarFirst ? $"({number} {op} {Expression})" : $"({Expression} {op} {number})",
            [.. ShapeArray],
            [.. DimensionArray],
            [.. Axes],
            TimeAxis,
            new ScalarNode(name, op, this, scalar, scalarFirst));
    }
}
