using Deisa.Core.Buffers;

namespace Deisa.Core.Graph;

/// <summary>The arguments of a running task: plain values as given, keys replaced by their values.</summary>
/// <remarks>
/// Valid only during the call of the operation. Values that are <see cref="IRefCountedValue"/> belong to the
/// runtime: read them during the call, copy what you want to keep, never release them.
/// </remarks>
public readonly ref struct TaskArguments
{
    private readonly ReadOnlySpan<TaskArg> _args;
    private readonly ReadOnlySpan<object?> _resolved;

    /// <summary>Creates the arguments of a task.</summary>
    /// <param name="key">The key of the task being run.</param>
    /// <param name="args">The task's arguments.</param>
    /// <param name="resolved">For each argument: the value of a key, the resolved items of a list, the object of a local argument; ignored for plain values.</param>
    public TaskArguments(TaskKey key, ReadOnlySpan<TaskArg> args, ReadOnlySpan<object?> resolved)
    {
        if (resolved.Length != args.Length)
        {
            throw new ArgumentException($"{args.Length} arguments but {resolved.Length} resolved values.", nameof(resolved));
        }

        Key = key;
        _args = args;
        _resolved = resolved;
    }

    /// <summary>Gets the key of the task being run.</summary>
    public TaskKey Key { get; }

    /// <summary>Gets the number of arguments.</summary>
    public int Count => _args.Length;

    /// <summary>Gets argument <paramref name="index"/> as it was given (keys not resolved).</summary>
    /// <param name="index">The position.</param>
    /// <returns>The argument.</returns>
    public TaskArg GetArg(int index) => _args[index];

    /// <summary>Gets argument <paramref name="index"/> as an object (plain numbers are boxed).</summary>
    /// <param name="index">The position.</param>
    /// <returns>The value.</returns>
    public object? GetValue(int index) => ToObject(_args[index], _resolved[index]);

    /// <summary>Gets argument <paramref name="index"/> as a <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The type wanted. Integers convert to int, long and double; doubles to float.</typeparam>
    /// <param name="index">The position.</param>
    /// <returns>The value.</returns>
    /// <exception cref="InvalidCastException">The argument is not a <typeparamref name="T"/>; the message names the task and the argument.</exception>
    public T Get<T>(int index)
    {
        TaskArg arg = _args[index];
        switch (arg.Kind)
        {
            case ArgKind.Int64:
                if (typeof(T) == typeof(long))
                {
                    return (T)(object)arg.Int64;
                }

                if (typeof(T) == typeof(int))
                {
                    return (T)(object)checked((int)arg.Int64);
                }

                if (typeof(T) == typeof(double))
                {
                    return (T)(object)(double)arg.Int64;
                }

                break;
            case ArgKind.Double:
                if (typeof(T) == typeof(double))
                {
                    return (T)(object)arg.Double;
                }

                if (typeof(T) == typeof(float))
                {
                    return (T)(object)(float)arg.Double;
                }

                break;
            case ArgKind.Bool:
                if (typeof(T) == typeof(bool))
                {
                    return (T)(object)arg.Bool;
                }

                break;
            case ArgKind.Slice:
                if (typeof(T) == typeof(SliceArg))
                {
                    return (T)(object)arg.Slice;
                }

                break;
            case ArgKind.Int64Array:
                if (typeof(T) == typeof(long[]))
                {
                    return (T)(object)arg.Int64Array.ToArray();
                }

                break;
            case ArgKind.Null:
                if (default(T) is null)
                {
                    return default!;
                }

                break;
            default:
                object? value = ToObject(arg, _resolved[index]);
                if (value is T typed)
                {
                    return typed;
                }

                if (value is null && default(T) is null)
                {
                    return default!;
                }

                break;
        }

        throw new InvalidCastException(
            $"Argument {index} of task {Key} is {Describe(arg, _resolved[index])}, which cannot be read as {typeof(T).Name}.");
    }

    /// <summary>Gets an integer argument.</summary>
    /// <param name="index">The position.</param>
    /// <returns>The value.</returns>
    public long GetInt64(int index) => Get<long>(index);

    /// <summary>Gets a double argument.</summary>
    /// <param name="index">The position.</param>
    /// <returns>The value.</returns>
    public double GetDouble(int index) => Get<double>(index);

    /// <summary>Gets a string argument.</summary>
    /// <param name="index">The position.</param>
    /// <returns>The value.</returns>
    public string GetString(int index) => Get<string>(index);

    /// <summary>Gets an integer-array argument without copying.</summary>
    /// <param name="index">The position.</param>
    /// <returns>The values.</returns>
    public ReadOnlySpan<long> GetInt64Array(int index) => _args[index].Int64Array;

    /// <summary>Gets the resolved items of a list argument.</summary>
    /// <param name="index">The position.</param>
    /// <returns>The items, keys replaced by their values.</returns>
    /// <exception cref="InvalidCastException">The argument is not a list.</exception>
    public ReadOnlySpan<object?> GetList(int index) => _args[index].Kind == ArgKind.List
        ? (object?[])_resolved[index]!
        : throw new InvalidCastException($"Argument {index} of task {Key} is {Describe(_args[index], _resolved[index])}, not a list.");

    /// <summary>Reads an array-valued argument as a span, whatever holds it.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="index">The position.</param>
    /// <returns>The elements of a <typeparamref name="T"/>[], a <see cref="PooledArray{T}"/> or a <see cref="ReadOnlyMemory{T}"/>.</returns>
    /// <exception cref="InvalidCastException">The argument holds something else.</exception>
    public ReadOnlySpan<T> GetSpan<T>(int index)
        where T : unmanaged => AsSpan<T>(GetValue(index), index);

    /// <summary>Reads a value as a span of <typeparamref name="T"/>, whatever holds it.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="value">A <typeparamref name="T"/>[], a <see cref="PooledArray{T}"/> or a <see cref="ReadOnlyMemory{T}"/>.</param>
    /// <returns>The elements.</returns>
    /// <exception cref="InvalidCastException">The value holds something else.</exception>
    public static ReadOnlySpan<T> AsSpan<T>(object? value)
        where T : unmanaged => AsSpan<T>(value, -1);

    private static ReadOnlySpan<T> AsSpan<T>(object? value, int index) where T : unmanaged => value switch
    {
        T[] array => array,
        PooledArray<T> pooled => pooled.Span,
        ReadOnlyMemory<T> memory => memory.Span,
        Memory<T> memory => memory.Span,
        _ => throw new InvalidCastException(
            $"{(index >= 0 ? $"Argument {index}" : "The value")} is a {value?.GetType().Name ?? "null"}, not an array of {typeof(T).Name}."),
    };

    private static object? ToObject(TaskArg arg, object? resolved) => arg.Kind switch
    {
        ArgKind.Null => null,
        ArgKind.Bool => arg.Bool,
        ArgKind.Int64 => arg.Int64,
        ArgKind.Double => arg.Double,
        ArgKind.String => arg.String,
        ArgKind.Int64Array => arg.Int64Array.ToArray(),
        ArgKind.Slice => arg.Slice,
        _ => resolved,
    };

    private static string Describe(TaskArg arg, object? resolved) => arg.Kind switch
    {
        ArgKind.Key => $"the value of {arg.Key}, a {resolved?.GetType().Name ?? "null"}",
        ArgKind.Local => $"a local {resolved?.GetType().Name ?? "null"}",
        _ => $"{arg} ({arg.Kind})",
    };
}
