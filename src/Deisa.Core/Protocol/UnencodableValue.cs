using Deisa.Core.Errors;

namespace Deisa.Core.Protocol;

/// <summary>Stands, after a process boundary, for a value whose type had no codec.</summary>
/// <param name="TypeName">The full name of the value's type.</param>
public sealed record UnencodableValue(string TypeName)
{
    /// <summary>Builds the error that whoever uses the value sees.</summary>
    /// <param name="what">What the value is, such as "the value of ('x', 1)".</param>
    /// <returns>The exception.</returns>
    public DeisaException ToException(string what) => new(
        $"{what} is a {TypeName}, which cannot cross processes: register an IValueCodec for it with ValueCodecRegistry.Register on every rank, " +
        "or return a supported type (numbers, strings, arrays, PooledArray).");
}
