using Deisa.Core.Client;
using Deisa.Core.Errors;
using Deisa.Core.Graph;

namespace Deisa.Core.Arrays;

/// <summary>
/// The simulation's arrays as lazy n-dimensional arrays over space and time, for the analytics to slice and compute
/// on before any data exists.
/// </summary>
/// <remarks>
/// Each array's chunks are the simulation's blocks, one step at a time: a chunk of size 1 along the time dimension
/// and one block along the others. Computations build task graphs; only the blocks a computation reads become
/// external keys, so only those enter the contract.
/// </remarks>
public sealed class DeisaArrays
{
    private readonly ArrayCatalog _catalog;
    private readonly Dictionary<string, DeisaArray> _arrays = new(StringComparer.Ordinal);

    internal DeisaArrays(DeisaClient client, OperationRegistry operations, ArrayCatalog catalog)
    {
        Client = client;
        Operations = operations;
        _catalog = catalog;
    }

    /// <summary>Gets the names of the arrays.</summary>
    public IReadOnlyCollection<string> Names => _catalog.Names;

    /// <summary>Gets the client the arrays submit through.</summary>
    public DeisaClient Client { get; }

    internal OperationRegistry Operations { get; }

    /// <summary>Gets an array by name.</summary>
    /// <param name="name">The name the simulation declared.</param>
    /// <returns>The array over all its steps.</returns>
    /// <exception cref="DeisaException">No such array; the message lists the declared ones.</exception>
    public DeisaArray this[string name]
    {
        get
        {
            lock (_arrays)
            {
                if (!_arrays.TryGetValue(name, out DeisaArray? array))
                {
                    array = DeisaArray.FromLayout(this, _catalog[name]);
                    _arrays.Add(name, array);
                }

                return array;
            }
        }
    }

    /// <summary>Gets the block layout of an array, for work at the level of its external keys.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The layout.</returns>
    public ArrayLayout Layout(string name) => _catalog[name];

    /// <summary>Makes a unique key name for a derived array.</summary>
    internal static string NewName(string operation) => KeyNames.NewGenerated(operation);
}
