namespace Deisa.Core.Arrays;

/// <summary>The numerical work of the array operations, on one chunk at a time. Pure functions of their inputs.</summary>
internal static class ArrayKernels
{
    /// <summary>Reads a chunk's elements as doubles: without a copy for double data, converted otherwise.</summary>
    public static ReadOnlySpan<double> Read(object? value, int expectedLength, string what) => ChunkValues.AsDoubles(value, expectedLength, what);

    /// <summary>Copies strided regions of input chunks into a new array.</summary>
    /// <param name="outShape">The result's shape (dimensions of size 1 may have been dropped).</param>
    /// <param name="fullShape">The result's shape with every input dimension kept.</param>
    /// <param name="pieces">What to copy: input data and shape, start, step and count in the input, start in the output.</param>
    public static NdArray Assemble(int[] outShape, int[] fullShape, IReadOnlyList<Piece> pieces)
    {
        double[] result = new double[NdArray.ElementCount(fullShape)];
        AssembleInto(result, fullShape, pieces);
        return new NdArray(outShape, result);
    }

    /// <summary>Copies strided regions of input chunks into an existing array of shape <paramref name="fullShape"/>.</summary>
    public static void AssembleInto(double[] result, int[] fullShape, IReadOnlyList<Piece> pieces)
    {
        int[] outStrides = NdArray.Strides(fullShape);
        int rank = fullShape.Length;
        foreach (Piece piece in pieces)
        {
            ReadOnlySpan<double> input = Read(piece.Value, NdArray.ElementCount(piece.InShape), "a chunk to assemble");
            int[] inStrides = NdArray.Strides(piece.InShape);
            int total = NdArray.ElementCount(piece.Count);
            if (total == 0)
            {
                continue;
            }

            int[] position = new int[rank];
            int last = rank - 1;
            int runLength = rank == 0 ? 1 : piece.Count[last];
            int runs = rank == 0 ? 1 : total / runLength;
            for (int run = 0; run < runs; run++)
            {
                int inOffset = 0;
                int outOffset = 0;
                for (int d = 0; d < last; d++)
                {
                    inOffset += (piece.InStart[d] + (position[d] * piece.InStep[d])) * inStrides[d];
                    outOffset += (piece.OutStart[d] + position[d]) * outStrides[d];
                }

                if (rank > 0)
                {
                    inOffset += piece.InStart[last] * inStrides[last];
                    outOffset += piece.OutStart[last] * outStrides[last];
                    int step = piece.InStep[last] * inStrides[last];
                    if (step == 1)
                    {
                        input.Slice(inOffset, runLength).CopyTo(result.AsSpan(outOffset, runLength));
                    }
                    else
                    {
                        for (int i = 0; i < runLength; i++)
                        {
                            result[outOffset + i] = input[inOffset + (i * step)];
                        }
                    }
                }
                else
                {
                    result[0] = input[0];
                }

                for (int d = last - 1; d >= 0; d--)
                {
                    if (++position[d] < piece.Count[d])
                    {
                        break;
                    }

                    position[d] = 0;
                }
            }
        }

    }

    /// <summary>Applies a binary operator element by element.</summary>
    public static NdArray Binary(char op, ReadOnlySpan<double> a, ReadOnlySpan<double> b, int[] shape)
    {
        double[] result = new double[a.Length];
        switch (op)
        {
            case '+':
                System.Numerics.Tensors.TensorPrimitives.Add(a, b, result);
                break;
            case '-':
                System.Numerics.Tensors.TensorPrimitives.Subtract(a, b, result);
                break;
            case '*':
                System.Numerics.Tensors.TensorPrimitives.Multiply(a, b, result);
                break;
            case '/':
                System.Numerics.Tensors.TensorPrimitives.Divide(a, b, result);
                break;
            default:
                throw new ArgumentException($"Unknown operator '{op}'.", nameof(op));
        }

        return new NdArray(shape, result);
    }

    /// <summary>Applies a binary operator between an array and a scalar.</summary>
    public static NdArray Scalar(char op, ReadOnlySpan<double> a, double scalar, bool scalarFirst, int[] shape)
    {
        double[] result = new double[a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            (double x, double y) = scalarFirst ? (scalar, a[i]) : (a[i], scalar);
            result[i] = op switch
            {
                '+' => x + y,
                '-' => x - y,
                '*' => x * y,
                '/' => x / y,
                _ => throw new ArgumentException($"Unknown operator '{op}'.", nameof(op)),
            };
        }

        return new NdArray(shape, result);
    }

    /// <summary>The moments a reduction keeps per output element: 1 for sum, min and max; 2 (sum, count) for mean; 3 (count, mean, M2) for var and std.</summary>
    public static int Moments(Reduction reduction) => reduction switch
    {
        Reduction.Mean => 2,
        Reduction.Var or Reduction.Std => 3,
        _ => 1,
    };

    /// <summary>Reduces a chunk over some axes, keeping them with size 1, into a partial of shape [moments, …].</summary>
    public static NdArray Partial(Reduction reduction, ReadOnlySpan<double> input, int[] shape, bool[] reduced)
    {
        int[] kept = new int[shape.Length];
        for (int d = 0; d < shape.Length; d++)
        {
            kept[d] = reduced[d] ? 1 : shape[d];
        }

        int outCount = NdArray.ElementCount(kept);
        int moments = Moments(reduction);
        double[] result = new double[moments * outCount];
        Initialise(reduction, result, outCount);
        int[] keptStrides = NdArray.Strides(kept);
        int[] position = new int[shape.Length];
        for (int i = 0; i < input.Length; i++)
        {
            int target = 0;
            for (int d = 0; d < shape.Length; d++)
            {
                if (!reduced[d])
                {
                    target += position[d] * keptStrides[d];
                }
            }

            Accumulate(reduction, result, outCount, target, input[i]);
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                if (++position[d] < shape[d])
                {
                    break;
                }

                position[d] = 0;
            }
        }

        return new NdArray([moments, .. kept], result);
    }

    /// <summary>Merges partials of the same shape as one sequential pass over all their inputs would have.</summary>
    public static NdArray Combine(Reduction reduction, IReadOnlyList<NdArray> partials)
    {
        NdArray first = partials[0];
        int outCount = first.Length / Moments(reduction);
        double[] result = (double[])first.Data.Clone();
        for (int p = 1; p < partials.Count; p++)
        {
            double[] other = partials[p].Data;
            if (other.Length != result.Length)
            {
                throw new InvalidOperationException($"Partials of shapes [{string.Join(", ", first.Shape)}] and [{string.Join(", ", partials[p].Shape)}] cannot be combined.");
            }

            for (int i = 0; i < outCount; i++)
            {
                Merge(reduction, result, other, outCount, i);
            }
        }

        return new NdArray(first.Shape, result);
    }

    /// <summary>Turns a partial into the reduction's values, dropping the reduced axes.</summary>
    public static NdArray Finalise(Reduction reduction, NdArray partial, int[] outShape)
    {
        int outCount = partial.Length / Moments(reduction);
        double[] p = partial.Data;
        double[] result = new double[outCount];
        for (int i = 0; i < outCount; i++)
        {
            result[i] = reduction switch
            {
                Reduction.Mean => p[i] / p[outCount + i],
                Reduction.Var => p[(2 * outCount) + i] / p[i],
                Reduction.Std => Math.Sqrt(p[(2 * outCount) + i] / p[i]),
                _ => p[i],
            };
        }

        return new NdArray(outShape, result);
    }

    /// <summary>Differences along an axis: out[i] = x[i + 1] - x[i], where x is the chunk followed by the first slice of the next chunk.</summary>
    public static NdArray Diff(ReadOnlySpan<double> input, int[] shape, int axis, ReadOnlySpan<double> next, int[]? nextShape)
    {
        int n = shape[axis];
        int outN = nextShape is null ? n - 1 : n;
        int[] outShape = (int[])shape.Clone();
        outShape[axis] = outN;
        double[] result = new double[NdArray.ElementCount(outShape)];
        int inner = 1;
        for (int d = axis + 1; d < shape.Length; d++)
        {
            inner *= shape[d];
        }

        int outer = NdArray.ElementCount(shape) / Math.Max(1, n * inner);
        int nextN = nextShape?[axis] ?? 0;
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < outN; i++)
            {
                for (int k = 0; k < inner; k++)
                {
                    double current = input[(((o * n) + i) * inner) + k];
                    double following = i + 1 < n ? input[(((o * n) + i + 1) * inner) + k] : next[(((o * nextN) + 0) * inner) + k];
                    result[(((o * outN) + i) * inner) + k] = following - current;
                }
            }
        }

        return new NdArray(outShape, result);
    }

    private static void Initialise(Reduction reduction, double[] result, int outCount)
    {
        if (reduction == Reduction.Min)
        {
            Array.Fill(result, double.PositiveInfinity);
        }
        else if (reduction == Reduction.Max)
        {
            Array.Fill(result, double.NegativeInfinity);
        }

        _ = outCount;
    }

    private static void Accumulate(Reduction reduction, double[] r, int outCount, int i, double x)
    {
        switch (reduction)
        {
            case Reduction.Sum:
                r[i] += x;
                break;
            case Reduction.Min:
                r[i] = Math.Min(r[i], x);
                break;
            case Reduction.Max:
                r[i] = Math.Max(r[i], x);
                break;
            case Reduction.Mean:
                r[i] += x;
                r[outCount + i] += 1;
                break;
            default:
                // Welford's update of (count, mean, M2).
                double count = r[i] + 1;
                double delta = x - r[outCount + i];
                r[i] = count;
                r[outCount + i] += delta / count;
                r[(2 * outCount) + i] += delta * (x - r[outCount + i]);
                break;
        }
    }

    private static void Merge(Reduction reduction, double[] r, double[] o, int outCount, int i)
    {
        switch (reduction)
        {
            case Reduction.Sum:
                r[i] += o[i];
                break;
            case Reduction.Min:
                r[i] = Math.Min(r[i], o[i]);
                break;
            case Reduction.Max:
                r[i] = Math.Max(r[i], o[i]);
                break;
            case Reduction.Mean:
                r[i] += o[i];
                r[outCount + i] += o[outCount + i];
                break;
            default:
                // Chan, Golub and LeVeque's pairwise merge of (count, mean, M2).
                double na = r[i];
                double nb = o[i];
                double n = na + nb;
                if (nb == 0)
                {
                    break;
                }

                double delta = o[outCount + i] - r[outCount + i];
                r[i] = n;
                r[outCount + i] += delta * nb / n;
                r[(2 * outCount) + i] += o[(2 * outCount) + i] + (delta * delta * na * nb / n);
                break;
        }
    }

    /// <summary>A region of an input chunk to copy into the output.</summary>
    public sealed record Piece(object? Value, int[] InShape, int[] InStart, int[] InStep, int[] Count, int[] OutStart);
}
