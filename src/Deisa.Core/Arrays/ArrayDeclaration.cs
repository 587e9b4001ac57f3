namespace Deisa.Core.Arrays;

/// <summary>
/// What one simulation rank publishes of one array: the global array over time, and this rank's block of it.
/// </summary>
/// <remarks>
/// <para>ADIOS2 vocabulary: <see cref="Shape"/> is the global size of every dimension, time included (its entry is the
/// number of steps); <see cref="Start"/> and <see cref="Count"/> place this rank's block in the spatial dimensions
/// only (every dimension but the time one), so they have one entry less than <see cref="Shape"/>. Every step, the
/// rank publishes one block of <see cref="Count"/> elements, row-major.</para>
/// <para>A simulation that does not know its number of steps up front declares the time dimension's size as
/// <see cref="OpenEnded"/>: it publishes steps 0, 1, 2… until it finishes, and the run ends with the steps every
/// rank published.</para>
/// </remarks>
public sealed class ArrayDeclaration
{
    /// <summary>The most spatial dimensions an array can have (keys hold the step plus three block indices).</summary>
    public const int MaxSpatialDimensions = 3;

    /// <summary>
    /// The size of a time dimension declared without an end: the simulation publishes steps until it finishes. The
    /// analytics see it in <c>Shape</c> as this value (<see cref="int.MaxValue"/>); how many steps there are is known
    /// when the ranks finish: the steps every rank published (the least of their last steps, plus one).
    /// </summary>
    public const long OpenEnded = int.MaxValue;

    /// <summary>Creates and checks a declaration.</summary>
    /// <param name="name">The array's name; its blocks' keys are (name, step, block indices…).</param>
    /// <param name="elementType">The element type.</param>
    /// <param name="shape">The global shape, time dimension included; its time entry is the number of steps, 1 to
    /// <see cref="int.MaxValue"/> − 1, or <see cref="OpenEnded"/> for a run that does not know it.</param>
    /// <param name="timeDimension">The position of the time dimension in <paramref name="shape"/>.</param>
    /// <param name="start">This rank's block start in each spatial dimension.</param>
    /// <param name="count">This rank's block size in each spatial dimension.</param>
    /// <param name="dimensionNames">Names of all dimensions (e.g. t, X, Y); defaults to t, d1, d2….</param>
    /// <exception cref="ArgumentException">Something does not fit; the message names the dimension and the values.</exception>
    public ArrayDeclaration(string name, ElementType elementType, long[] shape, int timeDimension, long[] start, long[] count, string[]? dimensionNames = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(start);
        ArgumentNullException.ThrowIfNull(count);
        if (!ElementTypes.IsDefined((byte)elementType))
        {
            throw new ArgumentException($"Array '{name}': unknown element type {elementType}.", nameof(elementType));
        }

        if (shape.Length < 2 || shape.Length > MaxSpatialDimensions + 1)
        {
            throw new ArgumentException($"Array '{name}': the shape needs a time dimension and 1 to {MaxSpatialDimensions} spatial dimensions; it has {shape.Length} dimension(s).", nameof(shape));
        }

        if ((uint)timeDimension >= (uint)shape.Length)
        {
            throw new ArgumentException($"Array '{name}': time dimension {timeDimension} is outside the shape's {shape.Length} dimensions.", nameof(timeDimension));
        }

        if (shape[timeDimension] < 1 || shape[timeDimension] > OpenEnded)
        {
            throw new ArgumentException(
                $"Array '{name}': the time dimension holds the number of steps, 1 to {int.MaxValue - 1}, or ArrayDeclaration.OpenEnded for a run that does not know it; it is {shape[timeDimension]}.",
                nameof(shape));
        }

        int spatial = shape.Length - 1;
        if (start.Length != spatial || count.Length != spatial)
        {
            throw new ArgumentException(
                $"Array '{name}': Start and Count cover the {spatial} spatial dimension(s) (not time); got {start.Length} and {count.Length} entries.", nameof(start));
        }

        dimensionNames ??= DefaultNames(shape.Length, timeDimension);
        if (dimensionNames.Length != shape.Length || dimensionNames.Distinct(StringComparer.Ordinal).Count() != shape.Length || dimensionNames.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException($"Array '{name}': give {shape.Length} distinct, non-empty dimension names; got [{string.Join(", ", dimensionNames)}].", nameof(dimensionNames));
        }

        for (int d = 0; d < spatial; d++)
        {
            long size = shape[SpatialToDimension(d, timeDimension)];
            string dimension = dimensionNames[SpatialToDimension(d, timeDimension)];
            // count > size - start rather than start + count > size, which wraps around for starts near long.MaxValue.
            if (size < 1 || count[d] < 1 || start[d] < 0 || count[d] > size - start[d])
            {
                string end = start[d] > long.MaxValue - count[d] ? $"{start[d]} + {count[d]}" : $"{start[d] + count[d]}";
                throw new ArgumentException(
                    $"Array '{name}', dimension '{dimension}': the block [{start[d]}, {end}) does not fit in the global size {size}.", nameof(count));
            }
        }

        Name = name;
        ElementType = elementType;
        Shape = (long[])shape.Clone();
        TimeDimension = timeDimension;
        Start = (long[])start.Clone();
        Count = (long[])count.Clone();
        DimensionNames = (string[])dimensionNames.Clone();
    }

    /// <summary>Gets the array's name.</summary>
    public string Name { get; }

    /// <summary>Gets the element type.</summary>
    public ElementType ElementType { get; }

    /// <summary>Gets the global shape, time dimension included.</summary>
    public IReadOnlyList<long> Shape { get; }

    /// <summary>Gets the position of the time dimension in <see cref="Shape"/>.</summary>
    public int TimeDimension { get; }

    /// <summary>Gets the number of steps (the time dimension's size); <see cref="int.MaxValue"/> for an open-ended run.</summary>
    public int Steps => (int)Shape[TimeDimension];

    /// <summary>Gets whether the time dimension was declared without an end (<see cref="OpenEnded"/>): steps come until the rank finishes.</summary>
    public bool IsOpenEnded => Shape[TimeDimension] == OpenEnded;

    /// <summary>Gets this rank's block start in each spatial dimension.</summary>
    public IReadOnlyList<long> Start { get; }

    /// <summary>Gets this rank's block size in each spatial dimension.</summary>
    public IReadOnlyList<long> Count { get; }

    /// <summary>Gets the names of all dimensions, time included.</summary>
    public IReadOnlyList<string> DimensionNames { get; }

    /// <summary>Gets the number of elements in this rank's block.</summary>
    public long BlockElements
    {
        get
        {
            // Indexed: a foreach over the interface boxes its enumerator, and every publish asks for this.
            long n = 1;
            for (int d = 0; d < Count.Count; d++)
            {
                n *= Count[d];
            }

            return n;
        }
    }

    /// <summary>Maps a spatial dimension index to its position in the shape.</summary>
    /// <param name="spatial">The spatial dimension, from 0.</param>
    /// <param name="timeDimension">The time dimension's position.</param>
    /// <returns>The position in the shape.</returns>
    public static int SpatialToDimension(int spatial, int timeDimension) => spatial < timeDimension ? spatial : spatial + 1;

    /// <summary>Describes the declaration.</summary>
    /// <returns>Name, type, shape and block.</returns>
    public override string ToString() =>
        $"{Name} {ElementType} shape [{string.Join(", ", Shape.Select((s, d) => d == TimeDimension && IsOpenEnded ? "open" : s.ToString(System.Globalization.CultureInfo.InvariantCulture)))}] (time at {TimeDimension}) block start [{string.Join(", ", Start)}] count [{string.Join(", ", Count)}]";

    private static string[] DefaultNames(int rank, int timeDimension)
    {
        string[] names = new string[rank];
        int next = 1;
        for (int d = 0; d < rank; d++)
        {
            names[d] = d == timeDimension ? "t" : $"d{next++}";
        }

        return names;
    }
}
