namespace Deisa.Core.Graph;

/// <summary>The code of an operation: reads its arguments and returns the task's value.</summary>
/// <param name="args">The task's arguments, keys already replaced by their values.</param>
/// <returns>The task's value.</returns>
public delegate object? OperationFunc(TaskArguments args);

/// <summary>A named piece of code that tasks run; the name is what travels between processes.</summary>
/// <remarks>
/// Operations come from an <see cref="OperationRegistry"/>, which every rank fills the same way. An operation made
/// by <see cref="TaskSpec.Local(OperationFunc, ReadOnlySpan{TaskArg})"/> wraps any delegate, closures included, and
/// runs only when the whole runtime lives in one process.
/// </remarks>
public sealed class Operation
{
    internal Operation(string name, OperationFunc func, int minArgs, int maxArgs, bool isLocal, Delegate code)
    {
        Code = code;
        Name = name;
        Func = func;
        MinArgs = minArgs;
        MaxArgs = maxArgs;
        IsLocal = isLocal;
    }

    /// <summary>Gets the registered name.</summary>
    public string Name { get; }

    /// <summary>Gets the fewest arguments the operation takes.</summary>
    public int MinArgs { get; }

    /// <summary>Gets the most arguments the operation takes, or -1 for no limit.</summary>
    public int MaxArgs { get; }

    /// <summary>Gets whether the operation exists only in this process (an unregistered delegate).</summary>
    public bool IsLocal { get; }

    internal OperationFunc Func { get; }

    /// <summary>Gets the delegate the user registered, to recognise a repeated registration of the same code.</summary>
    internal Delegate Code { get; }

    /// <summary>Runs the operation.</summary>
    /// <param name="args">The arguments.</param>
    /// <returns>The value.</returns>
    public object? Invoke(TaskArguments args) => Func(args);

    /// <summary>Returns the operation's name.</summary>
    /// <returns>The name.</returns>
    public override string ToString() => Name;

    internal void CheckArgumentCount(int count)
    {
        if (count < MinArgs || (MaxArgs >= 0 && count > MaxArgs))
        {
            string expected = MinArgs == MaxArgs ? $"{MinArgs}" : MaxArgs < 0 ? $"at least {MinArgs}" : $"{MinArgs} to {MaxArgs}";
            throw new ArgumentException(
                $"Operation '{Name}' takes {expected} argument(s); {count} were given.", nameof(count));
        }
    }
}
