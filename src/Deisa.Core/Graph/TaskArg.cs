using System.Globalization;
using System.Text;

namespace Deisa.Core.Graph;

/// <summary>One argument of a task: a key whose value the task receives, or a plain value.</summary>
/// <remarks>
/// Plain numbers are stored unboxed. Lists may nest and hold keys; every key anywhere in an argument is a
/// dependency of the task. <see cref="ArgKind.Local"/> arguments hold any object and exist only in one process:
/// the codec refuses them and distributed runtimes refuse them at submit time.
/// </remarks>
public readonly struct TaskArg : IEquatable<TaskArg>
{
    private readonly object? _ref;
    private readonly long _bits;
    private readonly TaskKey _key;

    private TaskArg(ArgKind kind, long bits, TaskKey key, object? reference)
    {
        Kind = kind;
        _bits = bits;
        _key = key;
        _ref = reference;
    }

    /// <summary>Gets what the argument holds.</summary>
    public ArgKind Kind { get; }

    /// <summary>Gets the null argument.</summary>
    public static TaskArg Null => default;

    /// <summary>Gets the key of a <see cref="ArgKind.Key"/> argument.</summary>
    /// <exception cref="InvalidOperationException">The argument is not a key.</exception>
    public TaskKey Key => Kind == ArgKind.Key ? _key : throw WrongKind(ArgKind.Key);

    /// <summary>Gets the value of a <see cref="ArgKind.Int64"/> argument.</summary>
    /// <exception cref="InvalidOperationException">The argument is not an integer.</exception>
    public long Int64 => Kind == ArgKind.Int64 ? _bits : throw WrongKind(ArgKind.Int64);

    /// <summary>Gets the value of a <see cref="ArgKind.Double"/> argument.</summary>
    /// <exception cref="InvalidOperationException">The argument is not a double.</exception>
    public double Double => Kind == ArgKind.Double ? BitConverter.Int64BitsToDouble(_bits) : throw WrongKind(ArgKind.Double);

    /// <summary>Gets the value of a <see cref="ArgKind.Bool"/> argument.</summary>
    /// <exception cref="InvalidOperationException">The argument is not a boolean.</exception>
    public bool Bool => Kind == ArgKind.Bool ? _bits != 0 : throw WrongKind(ArgKind.Bool);

    /// <summary>Gets the value of a <see cref="ArgKind.String"/> argument.</summary>
    /// <exception cref="InvalidOperationException">The argument is not a string.</exception>
    public string String => Kind == ArgKind.String ? (string)_ref! : throw WrongKind(ArgKind.String);

    /// <summary>Gets the items of a <see cref="ArgKind.List"/> argument.</summary>
    /// <exception cref="InvalidOperationException">The argument is not a list.</exception>
    public ReadOnlySpan<TaskArg> Items => Kind == ArgKind.List ? (TaskArg[])_ref! : throw WrongKind(ArgKind.List);

    /// <summary>Gets the values of a <see cref="ArgKind.Int64Array"/> argument.</summary>
    /// <exception cref="InvalidOperationException">The argument is not an integer array.</exception>
    public ReadOnlySpan<long> Int64Array => Kind == ArgKind.Int64Array ? (long[])_ref! : throw WrongKind(ArgKind.Int64Array);

    /// <summary>Gets the value of a <see cref="ArgKind.Slice"/> argument.</summary>
    /// <exception cref="InvalidOperationException">The argument is not a slice.</exception>
    public SliceArg Slice => Kind == ArgKind.Slice ? (SliceArg)_ref! : throw WrongKind(ArgKind.Slice);

    /// <summary>Gets the object of a <see cref="ArgKind.Local"/> argument.</summary>
    /// <exception cref="InvalidOperationException">The argument is not local.</exception>
    public object? LocalValue => Kind == ArgKind.Local ? _ref : throw WrongKind(ArgKind.Local);

    /// <summary>Gets whether this argument, or any item inside it, is a key.</summary>
    public bool HasKeys
    {
        get
        {
            if (Kind == ArgKind.Key)
            {
                return true;
            }

            if (Kind != ArgKind.List)
            {
                return false;
            }

            foreach (TaskArg item in Items)
            {
                if (item.HasKeys)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Gets whether this argument, or any item inside it, can only exist in one process.</summary>
    public bool IsLocal
    {
        get
        {
            if (Kind == ArgKind.Local)
            {
                return true;
            }

            if (Kind != ArgKind.List)
            {
                return false;
            }

            foreach (TaskArg item in Items)
            {
                if (item.IsLocal)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>Creates a key argument.</summary>
    /// <param name="key">The key; the task receives its value.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromKey(TaskKey key)
    {
        if (key.IsEmpty)
        {
            throw new ArgumentException("An empty key cannot be a task argument.", nameof(key));
        }

        return new(ArgKind.Key, 0, key, null);
    }

    /// <summary>Creates an integer argument.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromInt64(long value) => new(ArgKind.Int64, value, default, null);

    /// <summary>Creates a double argument.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromDouble(double value) => new(ArgKind.Double, BitConverter.DoubleToInt64Bits(value), default, null);

    /// <summary>Creates a boolean argument.</summary>
    /// <param name="value">The value.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromBool(bool value) => new(ArgKind.Bool, value ? 1 : 0, default, null);

    /// <summary>Creates a string argument (null gives the null argument).</summary>
    /// <param name="value">The value.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromString(string? value) => value is null ? Null : new(ArgKind.String, 0, default, value);

    /// <summary>Creates a list argument.</summary>
    /// <param name="items">The items; the array is copied.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromList(params ReadOnlySpan<TaskArg> items) => new(ArgKind.List, 0, default, items.ToArray());

    /// <summary>Creates a list argument of keys.</summary>
    /// <param name="keys">The keys; the task receives their values, in order.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromKeys(IEnumerable<TaskKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var items = new List<TaskArg>();
        foreach (TaskKey key in keys)
        {
            items.Add(FromKey(key));
        }

        return new(ArgKind.List, 0, default, items.ToArray());
    }

    /// <summary>Creates an integer-array argument, such as a shape.</summary>
    /// <param name="values">The values; copied.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromInt64Array(params ReadOnlySpan<long> values) => new(ArgKind.Int64Array, 0, default, values.ToArray());

    /// <summary>Creates a slice argument.</summary>
    /// <param name="slice">The slice.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromSlice(SliceArg slice)
    {
        if (slice.Step == 0)
        {
            throw new ArgumentException($"A slice step must not be zero (slice {slice.Start}:{slice.Stop}:0).", nameof(slice));
        }

        return new(ArgKind.Slice, 0, default, slice);
    }

    /// <summary>Creates an argument holding any object; usable only when everything runs in one process.</summary>
    /// <param name="value">The object, passed to the task as it is.</param>
    /// <returns>The argument.</returns>
    public static TaskArg FromLocal(object? value) => new(ArgKind.Local, 0, default, value);

    /// <summary>Converts a key to an argument.</summary>
    /// <param name="key">The key.</param>
    public static implicit operator TaskArg(TaskKey key) => FromKey(key);

    /// <summary>Converts an integer to an argument.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator TaskArg(long value) => FromInt64(value);

    /// <summary>Converts an integer to an argument.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator TaskArg(int value) => FromInt64(value);

    /// <summary>Converts a double to an argument.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator TaskArg(double value) => FromDouble(value);

    /// <summary>Converts a boolean to an argument.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator TaskArg(bool value) => FromBool(value);

    /// <summary>Converts a string to an argument.</summary>
    /// <param name="value">The value.</param>
    public static implicit operator TaskArg(string? value) => FromString(value);

    /// <summary>Converts a slice to an argument.</summary>
    /// <param name="slice">The slice.</param>
    public static implicit operator TaskArg(SliceArg slice) => FromSlice(slice);

    /// <summary>Compares two arguments structurally.</summary>
    /// <param name="left">An argument.</param>
    /// <param name="right">Another argument.</param>
    /// <returns>Whether they are equal.</returns>
    public static bool operator ==(TaskArg left, TaskArg right) => left.Equals(right);

    /// <summary>Compares two arguments structurally.</summary>
    /// <param name="left">An argument.</param>
    /// <param name="right">Another argument.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(TaskArg left, TaskArg right) => !left.Equals(right);

    /// <summary>Adds every key in this argument to <paramref name="keys"/>, in order, nested lists included.</summary>
    /// <param name="keys">Receives the keys.</param>
    public void CollectKeys(List<TaskKey> keys)
    {
        if (Kind == ArgKind.Key)
        {
            keys.Add(_key);
        }
        else if (Kind == ArgKind.List)
        {
            foreach (TaskArg item in Items)
            {
                item.CollectKeys(keys);
            }
        }
    }

    /// <inheritdoc/>
    public bool Equals(TaskArg other)
    {
        if (Kind != other.Kind)
        {
            return false;
        }

        return Kind switch
        {
            ArgKind.Null => true,
            ArgKind.Bool or ArgKind.Int64 or ArgKind.Double => _bits == other._bits,
            ArgKind.Key => _key == other._key,
            ArgKind.String => string.Equals((string)_ref!, (string)other._ref!, StringComparison.Ordinal),
            ArgKind.List => Items.SequenceEqual(other.Items),
            ArgKind.Int64Array => Int64Array.SequenceEqual(other.Int64Array),
            ArgKind.Slice => Slice == other.Slice,
            _ => ReferenceEquals(_ref, other._ref),
        };
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TaskArg other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => Kind switch
    {
        ArgKind.Key => _key.GetHashCode(),
        ArgKind.Bool or ArgKind.Int64 or ArgKind.Double => _bits.GetHashCode(),
        ArgKind.String => StringComparer.Ordinal.GetHashCode((string)_ref!),
        ArgKind.List => ((TaskArg[])_ref!).Length,
        _ => (int)Kind,
    };

    /// <summary>Formats the argument for messages and stories.</summary>
    /// <returns>The argument as text.</returns>
    public override string ToString() => Kind switch
    {
        ArgKind.Null => "null",
        ArgKind.Bool => Bool ? "true" : "false",
        ArgKind.Int64 => _bits.ToString(CultureInfo.InvariantCulture),
        ArgKind.Double => Double.ToString("R", CultureInfo.InvariantCulture),
        ArgKind.String => $"\"{String}\"",
        ArgKind.Key => _key.ToString(),
        ArgKind.List => FormatList(Items),
        ArgKind.Int64Array => "[" + string.Join(", ", Int64Array.ToArray()) + "]",
        ArgKind.Slice => $"{Slice.Start}:{Slice.Stop}:{Slice.Step}",
        _ => $"<local {_ref?.GetType().Name ?? "null"}>",
    };

    private static string FormatList(ReadOnlySpan<TaskArg> items)
    {
        var text = new StringBuilder("[");
        for (int i = 0; i < items.Length; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            if (i == 8 && items.Length > 10)
            {
                text.Append("… ").Append(items.Length - 8).Append(" more");
                break;
            }

            text.Append(items[i].ToString());
        }

        return text.Append(']').ToString();
    }

    private InvalidOperationException WrongKind(ArgKind wanted) =>
        new($"The argument {this} is a {Kind}, not a {wanted}.");
}
