namespace Deisa.Core.Errors;

/// <summary>A task names an operation that is not registered.</summary>
public sealed class UnknownOperationException : DeisaException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="name">The unknown name.</param>
    /// <param name="known">The names that are registered.</param>
    public UnknownOperationException(string name, IEnumerable<string> known)
        : base($"No operation is registered under the name '{name}'. Registered: {FormatKnown(known)}. " +
            "Register it with OperationRegistry.Register on every rank before building the graph.")
    {
        Name = name;
    }

    /// <summary>Gets the unknown name.</summary>
    public string Name { get; }

    private static string FormatKnown(IEnumerable<string> known)
    {
        string[] names = known.Order(StringComparer.Ordinal).ToArray();
        return names.Length == 0 ? "(none)" : string.Join(", ", names.Take(30)) + (names.Length > 30 ? ", …" : string.Empty);
    }
}
