using System.Text;

namespace Deisa.Core.Graph;

/// <summary>What a task computes: an operation and its arguments, some of which are keys it depends on.</summary>
/// <remarks>Immutable. Two specs are equal when they name the same operation with structurally equal arguments.</remarks>
public sealed class TaskSpec : IEquatable<TaskSpec>
{
    private readonly TaskArg[] _args;
    private readonly TaskKey[] _dependencies;

    private TaskSpec(Operation operation, TaskArg[] args)
    {
        operation.CheckArgumentCount(args.Length);
        Operation = operation;
        _args = args;
        _dependencies = CollectDependencies(args);
        bool local = operation.IsLocal;
        foreach (TaskArg arg in args)
        {
            local |= arg.IsLocal;
        }

        IsLocal = local;
    }

    /// <summary>Gets the operation.</summary>
    public Operation Operation { get; }

    /// <summary>Gets the arguments.</summary>
    public ReadOnlySpan<TaskArg> Args => _args;

    /// <summary>Gets the distinct keys the task depends on, in the order they first appear.</summary>
    public ReadOnlySpan<TaskKey> Dependencies => _dependencies;

    /// <summary>Gets whether the task can only run in this process (a local delegate or a local argument).</summary>
    public bool IsLocal { get; }

    /// <summary>Creates a task running a registered operation.</summary>
    /// <param name="operation">The operation.</param>
    /// <param name="args">The arguments.</param>
    /// <returns>The task.</returns>
    /// <exception cref="ArgumentException">The argument count does not fit the operation.</exception>
    public static TaskSpec Create(Operation operation, params ReadOnlySpan<TaskArg> args)
    {
        ArgumentNullException.ThrowIfNull(operation);
        return new TaskSpec(operation, args.ToArray());
    }

    /// <summary>Creates a task running any delegate; it can only run when the runtime lives in one process.</summary>
    /// <param name="func">The code, closures allowed.</param>
    /// <param name="args">The arguments.</param>
    /// <returns>The task.</returns>
    public static TaskSpec Local(OperationFunc func, params ReadOnlySpan<TaskArg> args)
    {
        ArgumentNullException.ThrowIfNull(func);
        var operation = new Operation("local:" + func.Method.Name, func, args.Length, args.Length, isLocal: true, func);
        return new TaskSpec(operation, args.ToArray());
    }

    /// <summary>Creates a task running a delegate of no argument; one process only.</summary>
    /// <typeparam name="TResult">The value type.</typeparam>
    /// <param name="func">The code.</param>
    /// <returns>The task.</returns>
    public static TaskSpec Local<TResult>(Func<TResult> func)
    {
        ArgumentNullException.ThrowIfNull(func);
        return Local(_ => func());
    }

    /// <summary>Creates a task running a delegate of one argument; one process only.</summary>
    /// <typeparam name="T1">The argument type.</typeparam>
    /// <typeparam name="TResult">The value type.</typeparam>
    /// <param name="func">The code.</param>
    /// <param name="arg1">The argument.</param>
    /// <returns>The task.</returns>
    public static TaskSpec Local<T1, TResult>(Func<T1, TResult> func, TaskArg arg1)
    {
        ArgumentNullException.ThrowIfNull(func);
        return Local(a => func(a.Get<T1>(0)), arg1);
    }

    /// <summary>Creates a task running a delegate of two arguments; one process only.</summary>
    /// <typeparam name="T1">The first argument type.</typeparam>
    /// <typeparam name="T2">The second argument type.</typeparam>
    /// <typeparam name="TResult">The value type.</typeparam>
    /// <param name="func">The code.</param>
    /// <param name="arg1">The first argument.</param>
    /// <param name="arg2">The second argument.</param>
    /// <returns>The task.</returns>
    public static TaskSpec Local<T1, T2, TResult>(Func<T1, T2, TResult> func, TaskArg arg1, TaskArg arg2)
    {
        ArgumentNullException.ThrowIfNull(func);
        return Local(a => func(a.Get<T1>(0), a.Get<T2>(1)), arg1, arg2);
    }

    /// <inheritdoc/>
    public bool Equals(TaskSpec? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || !ReferenceEquals(Operation, other.Operation) || _args.Length != other._args.Length)
        {
            return false;
        }

        for (int i = 0; i < _args.Length; i++)
        {
            if (!_args[i].Equals(other._args[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as TaskSpec);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Operation.Name);
        foreach (TaskArg arg in _args)
        {
            hash.Add(arg);
        }

        return hash.ToHashCode();
    }

    /// <summary>Formats the task as <c>operation(arg, …)</c>.</summary>
    /// <returns>The task as text.</returns>
    public override string ToString()
    {
        var text = new StringBuilder(Operation.Name).Append('(');
        for (int i = 0; i < _args.Length; i++)
        {
            if (i > 0)
            {
                text.Append(", ");
            }

            text.Append(_args[i].ToString());
        }

        return text.Append(')').ToString();
    }

    internal TaskArg[] ArgsArray => _args;

    internal static TaskSpec FromDecoded(Operation operation, TaskArg[] args) => new(operation, args);

    private static TaskKey[] CollectDependencies(TaskArg[] args)
    {
        bool any = false;
        foreach (TaskArg arg in args)
        {
            any |= arg.HasKeys;
        }

        if (!any)
        {
            return [];
        }

        var keys = new List<TaskKey>();
        foreach (TaskArg arg in args)
        {
            arg.CollectKeys(keys);
        }

        if (keys.Count == 1)
        {
            return [keys[0]];
        }

        var seen = new HashSet<TaskKey>(keys.Count);
        var distinct = new List<TaskKey>(keys.Count);
        foreach (TaskKey key in keys)
        {
            if (seen.Add(key))
            {
                distinct.Add(key);
            }
        }

        return distinct.ToArray();
    }
}
