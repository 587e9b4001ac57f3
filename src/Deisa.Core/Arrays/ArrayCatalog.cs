using Deisa.Core.Errors;

namespace Deisa.Core.Arrays;

/// <summary>The arrays the simulation declared, by name, as the analytics receive them.</summary>
public sealed class ArrayCatalog
{
    private readonly Dictionary<string, ArrayLayout> _arrays;

    /// <summary>Assembles a catalog from every producer's declarations.</summary>
    /// <param name="declarations">(producer rank, declaration) pairs.</param>
    /// <exception cref="ArgumentException">Declarations of one array do not fit together.</exception>
    public ArrayCatalog(IEnumerable<(int Producer, ArrayDeclaration Declaration)> declarations)
    {
        ArgumentNullException.ThrowIfNull(declarations);
        _arrays = declarations
            .GroupBy(d => d.Declaration.Name, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => ArrayLayout.Assemble(g.OrderBy(d => d.Producer).ToList()), StringComparer.Ordinal);
    }

    /// <summary>Gets the names of the arrays.</summary>
    public IReadOnlyCollection<string> Names => _arrays.Keys;

    /// <summary>Gets an array by name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The array's layout.</returns>
    /// <exception cref="DeisaException">No array has that name; the message lists the declared ones.</exception>
    public ArrayLayout this[string name] => _arrays.TryGetValue(name, out ArrayLayout? layout)
        ? layout
        : throw new DeisaException(
            $"The simulation declared no array named '{name}'. Declared: {(_arrays.Count == 0 ? "(none)" : string.Join(", ", _arrays.Keys.Order(StringComparer.Ordinal)))}.");

    /// <summary>Tries to get an array by name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="layout">The layout, when found.</param>
    /// <returns>Whether it was found.</returns>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ArrayLayout? layout) => _arrays.TryGetValue(name, out layout);
}
