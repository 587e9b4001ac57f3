using System.Globalization;
using System.Text;
using Deisa.Core.Buffers;

namespace Deisa.Core.Arrays;

/// <summary>A dense n-dimensional array of doubles, row-major: the value of a chunk, or a computed result.</summary>
/// <remarks>Immutable by convention once it is a task's value: tasks read their inputs and build new arrays.</remarks>
public sealed class NdArray : ISizedValue
{
    /// <summary>Creates an array over existing data.</summary>
    /// <param name="shape">The size of each dimension; empty for a scalar.</param>
    /// <param name="data">The elements, row-major; taken, not copied.</param>
    /// <exception cref="ArgumentException">The data does not have as many elements as the shape.</exception>
    public NdArray(int[] shape, double[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = 1;
        foreach (int size in shape)
        {
            if (size < 0)
            {
                throw new ArgumentException($"Negative dimension in shape [{string.Join(", ", shape)}].", nameof(shape));
            }

            count *= size;
        }

        if (count != data.Length)
        {
            throw new ArgumentException($"A shape of [{string.Join(", ", shape)}] holds {count} elements; {data.Length} were given.", nameof(data));
        }

        Shape = shape;
        Data = data;
    }

    /// <summary>Gets the size of each dimension.</summary>
    public int[] Shape { get; }

    /// <summary>Gets the elements, row-major.</summary>
    public double[] Data { get; }

    /// <summary>Gets the number of dimensions.</summary>
    public int Rank => Shape.Length;

    /// <summary>Gets the number of elements.</summary>
    public int Length => Data.Length;

    /// <inheritdoc/>
    public long SizeInBytes => (long)Data.Length * sizeof(double);

    /// <summary>Gets the element at a position.</summary>
    /// <param name="index">One index per dimension.</param>
    /// <returns>The element.</returns>
    public double this[params ReadOnlySpan<int> index] => Data[Offset(index)];

    /// <summary>Creates an array of zeros.</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>The array.</returns>
    public static NdArray Zeros(params int[] shape) => new(shape, new double[ElementCount(shape)]);

    /// <summary>Creates a scalar (0-dimensional) array.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The array.</returns>
    public static NdArray Scalar(double value) => new([], [value]);

    /// <summary>Gets the number of elements of a shape.</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>The product of its sizes.</returns>
    public static int ElementCount(ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (int size in shape)
        {
            count *= size;
        }

        return checked((int)count);
    }

    /// <summary>Gets the row-major strides of a shape, in elements.</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>The stride of each dimension.</returns>
    public static int[] Strides(ReadOnlySpan<int> shape)
    {
        int[] strides = new int[shape.Length];
        int stride = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            strides[d] = stride;
            stride *= shape[d];
        }

        return strides;
    }

    /// <summary>Gets the offset of a position in <see cref="Data"/>.</summary>
    /// <param name="index">One index per dimension.</param>
    /// <returns>The offset.</returns>
    public int Offset(ReadOnlySpan<int> index)
    {
        if (index.Length != Shape.Length)
        {
            throw new ArgumentException($"The array has {Shape.Length} dimensions; {index.Length} indices were given.", nameof(index));
        }

        int offset = 0;
        for (int d = 0; d < index.Length; d++)
        {
            if ((uint)index[d] >= (uint)Shape[d])
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"Index {index[d]} is outside dimension {d} of size {Shape[d]}.");
            }

            offset = (offset * Shape[d]) + index[d];
        }

        return offset;
    }

    /// <summary>Describes the array: its shape and its first elements.</summary>
    /// <returns>The text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder($"NdArray[{string.Join(", ", Shape)}] ");
        text.AppendJoin(", ", Data.Take(8).Select(v => v.ToString("G6", CultureInfo.InvariantCulture)));
        if (Data.Length > 8)
        {
            text.Append(", …");
        }

        return text.ToString();
    }
}
