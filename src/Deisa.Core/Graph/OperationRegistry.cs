using System.Collections.Frozen;
using Deisa.Core.Errors;

namespace Deisa.Core.Graph;

/// <summary>The operations tasks may name, by stable name; every rank must register the same ones.</summary>
/// <remarks>
/// Register at start-up, before building graphs; lookups are lock-free and registration is thread-safe.
/// Registering the same name twice with the same method is allowed (static initialisers may run twice);
/// with another method it is an error.
/// </remarks>
public sealed class OperationRegistry
{
    private readonly Lock _writeLock = new();
    private FrozenDictionary<string, Operation> _operations = FrozenDictionary<string, Operation>.Empty;

    /// <summary>Creates a registry holding the <see cref="BuiltinOperations"/>.</summary>
    public OperationRegistry()
    {
        BuiltinOperations.AddTo(this);
    }

    /// <summary>Gets the process-wide registry that runtimes use unless given another one.</summary>
    public static OperationRegistry Default { get; } = new();

    /// <summary>Gets the registered names.</summary>
    public IEnumerable<string> Names => _operations.Keys;

    /// <summary>Registers an operation that reads its arguments itself.</summary>
    /// <param name="name">The stable name.</param>
    /// <param name="func">The code.</param>
    /// <param name="minArgs">The fewest arguments.</param>
    /// <param name="maxArgs">The most arguments, or -1 for no limit.</param>
    /// <returns>The operation.</returns>
    /// <exception cref="ArgumentException">The name is taken by another method, or is empty.</exception>
    public Operation Register(string name, OperationFunc func, int minArgs = 0, int maxArgs = -1)
    {
        ArgumentNullException.ThrowIfNull(func);
        return RegisterCore(name, func, minArgs, maxArgs, func);
    }

    /// <summary>Registers an operation without arguments.</summary>
    /// <typeparam name="TResult">The value type.</typeparam>
    /// <param name="name">The stable name.</param>
    /// <param name="func">The code; use a static method or a lambda that captures nothing.</param>
    /// <returns>The operation.</returns>
    public Operation Register<TResult>(string name, Func<TResult> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return RegisterTyped(name, func, 0, _ => func());
    }

    /// <summary>Registers an operation of one argument.</summary>
    /// <typeparam name="T1">The argument type.</typeparam>
    /// <typeparam name="TResult">The value type.</typeparam>
    /// <param name="name">The stable name.</param>
    /// <param name="func">The code; use a static method or a lambda that captures nothing.</param>
    /// <returns>The operation.</returns>
    public Operation Register<T1, TResult>(string name, Func<T1, TResult> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return RegisterTyped(name, func, 1, a => func(a.Get<T1>(0)));
    }

    /// <summary>Registers an operation of two arguments.</summary>
    /// <typeparam name="T1">The first argument type.</typeparam>
    /// <typeparam name="T2">The second argument type.</typeparam>
    /// <typeparam name="TResult">The value type.</typeparam>
    /// <param name="name">The stable name.</param>
    /// <param name="func">The code; use a static method or a lambda that captures nothing.</param>
    /// <returns>The operation.</returns>
    public Operation Register<T1, T2, TResult>(string name, Func<T1, T2, TResult> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return RegisterTyped(name, func, 2, a => func(a.Get<T1>(0), a.Get<T2>(1)));
    }

    /// <summary>Registers an operation of three arguments.</summary>
    /// <typeparam name="T1">The first argument type.</typeparam>
    /// <typeparam name="T2">The second argument type.</typeparam>
    /// <typeparam name="T3">The third argument type.</typeparam>
    /// <typeparam name="TResult">The value type.</typeparam>
    /// <param name="name">The stable name.</param>
    /// <param name="func">The code; use a static method or a lambda that captures nothing.</param>
    /// <returns>The operation.</returns>
    public Operation Register<T1, T2, T3, TResult>(string name, Func<T1, T2, T3, TResult> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return RegisterTyped(name, func, 3, a => func(a.Get<T1>(0), a.Get<T2>(1), a.Get<T3>(2)));
    }

    /// <summary>Registers an operation of four arguments.</summary>
    /// <typeparam name="T1">The first argument type.</typeparam>
    /// <typeparam name="T2">The second argument type.</typeparam>
    /// <typeparam name="T3">The third argument type.</typeparam>
    /// <typeparam name="T4">The fourth argument type.</typeparam>
    /// <typeparam name="TResult">The value type.</typeparam>
    /// <param name="name">The stable name.</param>
    /// <param name="func">The code; use a static method or a lambda that captures nothing.</param>
    /// <returns>The operation.</returns>
    public Operation Register<T1, T2, T3, T4, TResult>(string name, Func<T1, T2, T3, T4, TResult> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return RegisterTyped(name, func, 4, a => func(a.Get<T1>(0), a.Get<T2>(1), a.Get<T3>(2), a.Get<T4>(3)));
    }

    /// <summary>Gets a registered operation.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The operation.</returns>
    /// <exception cref="UnknownOperationException">Nothing is registered under <paramref name="name"/>.</exception>
    public Operation Get(string name) =>
        _operations.TryGetValue(name, out Operation? operation) ? operation : throw new UnknownOperationException(name, Names);

    /// <summary>Tries to get a registered operation.</summary>
    /// <param name="name">The name.</param>
    /// <param name="operation">The operation, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Operation? operation) =>
        _operations.TryGetValue(name, out operation);

    /// <summary>Tries to get a registered operation by a name given as characters, without allocating.</summary>
    /// <param name="name">The name.</param>
    /// <param name="operation">The operation, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGet(ReadOnlySpan<char> name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Operation? operation) =>
        _operations.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(name, out operation);

    /// <summary>Builds a task that runs the operation registered under <paramref name="operation"/>.</summary>
    /// <param name="operation">The registered name.</param>
    /// <param name="args">The arguments; keys among them are dependencies.</param>
    /// <returns>The task.</returns>
    /// <exception cref="UnknownOperationException">Nothing is registered under that name.</exception>
    /// <exception cref="ArgumentException">The argument count does not fit the operation.</exception>
    public TaskSpec Spec(string operation, params ReadOnlySpan<TaskArg> args) => TaskSpec.Create(Get(operation), args);

    private static bool SameCode(Delegate a, Delegate b) => a.Method == b.Method && ReferenceEquals(a.Target, b.Target);

    private Operation RegisterTyped(string name, Delegate original, int arity, OperationFunc adapter) =>
        RegisterCore(name, adapter, arity, arity, original);

    private Operation RegisterCore(string name, OperationFunc func, int minArgs, int maxArgs, Delegate code)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_writeLock)
        {
            if (_operations.TryGetValue(name, out Operation? existing))
            {
                if (existing.MinArgs == minArgs && existing.MaxArgs == maxArgs && SameCode(existing.Code, code))
                {
                    return existing;
                }

                throw new ArgumentException(
                    $"The operation name '{name}' is already registered to other code. Operation names must be unique.",
                    nameof(name));
            }

            var operation = new Operation(name, func, minArgs, maxArgs, isLocal: false, code);
            var copy = new Dictionary<string, Operation>(_operations, StringComparer.Ordinal) { [name] = operation };
            _operations = copy.ToFrozenDictionary(StringComparer.Ordinal);
            return operation;
        }
    }
}
