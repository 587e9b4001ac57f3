namespace Deisa.Core.Transport;

/// <summary>
/// A value put under an external key that still lives in its producer's memory (a block a simulation ships without
/// copying). A transport that carries it to another process sends it from there; one that delivers it within the
/// process takes a copy for the receiver with <see cref="CopyOut"/>, and the producer has its memory back.
/// </summary>
internal interface ILentValue
{
    /// <summary>Copies the value into memory of its own and gives the producer's memory back.</summary>
    /// <returns>The copy, as the receiving worker stores it.</returns>
    object CopyOut();
}
