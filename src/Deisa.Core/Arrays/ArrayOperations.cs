using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <summary>The registered operations behind <see cref="DeisaArray"/>: every registry has them, so every rank does.</summary>
public static class ArrayOperations
{
    /// <summary>Copies strided regions of chunks into a new chunk (slicing, rechunking).</summary>
    public const string Assemble = "deisa.array.assemble";

    /// <summary>An element-wise operator between two chunks of the same shape.</summary>
    public const string Binary = "deisa.array.binary";

    /// <summary>An element-wise operator between a chunk and a number.</summary>
    public const string Scalar = "deisa.array.scalar";

    /// <summary>A reduction of one chunk over some axes, kept as moments to combine.</summary>
    public const string Partial = "deisa.array.partial";

    /// <summary>Merges reduction partials, and finalises them at the root of the tree.</summary>
    public const string Combine = "deisa.array.combine";

    /// <summary>Differences along an axis, reading the first slice of the next chunk.</summary>
    public const string Diff = "deisa.array.diff";

    /// <summary>A chunk of one value everywhere: the identity of a reduction over nothing.</summary>
    public const string Fill = "deisa.array.fill";

    internal static void AddTo(OperationRegistry registry)
    {
        registry.Register(Assemble, static args =>
        {
            int[] outShape = Ints(args.GetInt64Array(0));
            int[] fullShape = Ints(args.GetInt64Array(1));
            var pieces = new List<ArrayKernels.Piece>();
            foreach (object? item in args.GetList(2))
            {
                object?[] piece = (object?[])item!;
                pieces.Add(new ArrayKernels.Piece(
                    piece[0], Ints((long[])piece[1]!), Ints((long[])piece[2]!), Ints((long[])piece[3]!), Ints((long[])piece[4]!), Ints((long[])piece[5]!)));
            }

            return ArrayKernels.Assemble(outShape, fullShape, pieces);
        }, 3, 3);
        registry.Register(Binary, static args =>
        {
            int[] shape = Ints(args.GetInt64Array(2));
            int n = NdArray.ElementCount(shape);
            return ArrayKernels.Binary(
                args.GetString(0)[0],
                ArrayKernels.Read(args.GetValue(1), n, $"the left operand of {args.Key}"),
                ArrayKernels.Read(args.GetValue(3), n, $"the right operand of {args.Key}"),
                shape);
        }, 5, 5);
        registry.Register(Scalar, static args =>
        {
            int[] shape = Ints(args.GetInt64Array(2));
            return ArrayKernels.Scalar(
                args.GetString(0)[0],
                ArrayKernels.Read(args.GetValue(1), NdArray.ElementCount(shape), $"the operand of {args.Key}"),
                args.GetDouble(3),
                args.Get<bool>(4),
                shape);
        }, 5, 5);
        registry.Register(Partial, static args =>
        {
            int[] shape = Ints(args.GetInt64Array(3));
            bool[] reduced = args.GetInt64Array(1).ToArray().Select(v => v != 0).ToArray();
            return ArrayKernels.Partial(
                (Reduction)args.GetInt64(0),
                ArrayKernels.Read(args.GetValue(2), NdArray.ElementCount(shape), $"the chunk reduced by {args.Key}"),
                shape,
                reduced);
        }, 4, 4);
        registry.Register(Combine, static args =>
        {
            var reduction = (Reduction)args.GetInt64(0);
            NdArray[] partials = [.. args.GetList(1).ToArray().Select(p => (NdArray)p!)];
            NdArray combined = partials.Length == 1 ? partials[0] : ArrayKernels.Combine(reduction, partials);
            return args.Get<bool>(2) ? ArrayKernels.Finalise(reduction, combined, Ints(args.GetInt64Array(3))) : combined;
        }, 4, 4);
        registry.Register(Diff, static args =>
        {
            int axis = (int)args.GetInt64(0);
            int[] shape = Ints(args.GetInt64Array(2));
            ReadOnlySpan<double> input = ArrayKernels.Read(args.GetValue(1), NdArray.ElementCount(shape), $"the chunk differenced by {args.Key}");
            if (args.GetArg(3).Kind == ArgKind.Null)
            {
                return ArrayKernels.Diff(input, shape, axis, [], null);
            }

            int[] nextShape = Ints(args.GetInt64Array(4));
            return ArrayKernels.Diff(input, shape, axis, ArrayKernels.Read(args.GetValue(3), NdArray.ElementCount(nextShape), $"the next chunk of {args.Key}"), nextShape);
        }, 5, 5);
        registry.Register(Fill, static args =>
        {
            int[] shape = Ints(args.GetInt64Array(0));
            double[] values = new double[NdArray.ElementCount(shape)];
            Array.Fill(values, args.GetDouble(1));
            return new NdArray(shape, values);
        }, 2, 2);
    }

    private static int[] Ints(ReadOnlySpan<long> values)
    {
        int[] result = new int[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = checked((int)values[i]);
        }

        return result;
    }
}
