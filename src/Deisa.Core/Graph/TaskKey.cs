using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace Deisa.Core.Graph;

/// <summary>
/// The name of a task or of a piece of data: a name plus up to four integer indices, such as
/// <c>("global_t", t, i, j)</c> for block (i, j) of time step t of the array <c>global_t</c>.
/// </summary>
/// <remarks>
/// A key is a 24-byte unmanaged value; equality and hashing compare integers only because names are interned for
/// the life of the process. Put what varies (time steps, block positions) in the indices, not in the name.
/// </remarks>
public readonly struct TaskKey : IEquatable<TaskKey>, IComparable<TaskKey>
{
    /// <summary>The largest number of indices a key can have.</summary>
    public const int MaxIndices = 4;

    // The name's code (see KeyNames) shifted left by three, and the index count in the low three bits: one
    // comparison covers both, and the key stays 24 bytes.
    private readonly long _nameAndCount;
    private readonly int _i0;
    private readonly int _i1;
    private readonly int _i2;
    private readonly int _i3;

    /// <summary>Creates a key made of a name only.</summary>
    /// <param name="name">The key's name; not empty, at most 255 UTF-8 bytes.</param>
    /// <exception cref="ArgumentException"><paramref name="name"/> is empty or too long.</exception>
    public TaskKey(string name)
        : this(KeyNames.Intern(name), 0, 0, 0, 0, 0)
    {
    }

    /// <summary>Creates a key with one index.</summary>
    /// <param name="name">The key's name.</param>
    /// <param name="i0">The first index.</param>
    public TaskKey(string name, int i0)
        : this(KeyNames.Intern(name), 1, i0, 0, 0, 0)
    {
    }

    /// <summary>Creates a key with two indices.</summary>
    /// <param name="name">The key's name.</param>
    /// <param name="i0">The first index.</param>
    /// <param name="i1">The second index.</param>
    public TaskKey(string name, int i0, int i1)
        : this(KeyNames.Intern(name), 2, i0, i1, 0, 0)
    {
    }

    /// <summary>Creates a key with three indices.</summary>
    /// <param name="name">The key's name.</param>
    /// <param name="i0">The first index.</param>
    /// <param name="i1">The second index.</param>
    /// <param name="i2">The third index.</param>
    public TaskKey(string name, int i0, int i1, int i2)
        : this(KeyNames.Intern(name), 3, i0, i1, i2, 0)
    {
    }

    /// <summary>Creates a key with four indices.</summary>
    /// <param name="name">The key's name.</param>
    /// <param name="i0">The first index.</param>
    /// <param name="i1">The second index.</param>
    /// <param name="i2">The third index.</param>
    /// <param name="i3">The fourth index.</param>
    public TaskKey(string name, int i0, int i1, int i2, int i3)
        : this(KeyNames.Intern(name), 4, i0, i1, i2, i3)
    {
    }

    /// <summary>Creates a key from a name and a span of at most <see cref="MaxIndices"/> indices.</summary>
    /// <param name="name">The key's name.</param>
    /// <param name="indices">The indices, at most four.</param>
    /// <exception cref="ArgumentException">More than four indices, or a bad name.</exception>
    public TaskKey(string name, ReadOnlySpan<int> indices)
        : this(KeyNames.Intern(name), indices)
    {
    }

    internal TaskKey(long nameCode, ReadOnlySpan<int> indices)
    {
        if (indices.Length > MaxIndices)
        {
            throw new ArgumentException(
                $"A key has at most {MaxIndices} indices; {indices.Length} were given for '{KeyNames.Get(nameCode)}'.",
                nameof(indices));
        }

        _nameAndCount = (nameCode << 3) | (long)indices.Length;
        _i0 = indices.Length > 0 ? indices[0] : 0;
        _i1 = indices.Length > 1 ? indices[1] : 0;
        _i2 = indices.Length > 2 ? indices[2] : 0;
        _i3 = indices.Length > 3 ? indices[3] : 0;
    }

    private TaskKey(long nameCode, int count, int i0, int i1, int i2, int i3)
    {
        _nameAndCount = (nameCode << 3) | (long)count;
        _i0 = i0;
        _i1 = i1;
        _i2 = i2;
        _i3 = i3;
    }

    /// <summary>Gets the key's name.</summary>
    /// <remarks>The name of a derived array is rebuilt on each call, so hot paths compare keys, not names.</remarks>
    public string Name => KeyNames.Get(NameCode);

    /// <summary>Gets the number of indices (0 to 4).</summary>
    public int IndexCount => (int)(_nameAndCount & 7);

    /// <summary>Gets whether this is the default value, which names nothing.</summary>
    public bool IsEmpty => _nameAndCount == 0;

    internal long NameCode => _nameAndCount >> 3;

    /// <summary>Gets the index at position <paramref name="position"/>.</summary>
    /// <param name="position">0 to <see cref="IndexCount"/> - 1.</param>
    /// <exception cref="ArgumentOutOfRangeException">The key has no such index.</exception>
    public int this[int position]
    {
        get
        {
            if ((uint)position >= (uint)IndexCount)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(position), position, $"The key {this} has {IndexCount} indices.");
            }

            return position switch
            {
                0 => _i0,
                1 => _i1,
                2 => _i2,
                _ => _i3,
            };
        }
    }

    /// <summary>Creates a key from a (name, index) tuple.</summary>
    /// <param name="key">The name and the index.</param>
    public static implicit operator TaskKey((string Name, int I0) key) => new(key.Name, key.I0);

    /// <summary>Creates a key from a (name, index, index) tuple.</summary>
    /// <param name="key">The name and the indices.</param>
    public static implicit operator TaskKey((string Name, int I0, int I1) key) => new(key.Name, key.I0, key.I1);

    /// <summary>Creates a key from a (name, index, index, index) tuple.</summary>
    /// <param name="key">The name and the indices.</param>
    public static implicit operator TaskKey((string Name, int I0, int I1, int I2) key) =>
        new(key.Name, key.I0, key.I1, key.I2);

    /// <summary>Creates a key from a (name, index, index, index, index) tuple.</summary>
    /// <param name="key">The name and the indices.</param>
    public static implicit operator TaskKey((string Name, int I0, int I1, int I2, int I3) key) =>
        new(key.Name, key.I0, key.I1, key.I2, key.I3);

    /// <summary>Creates a key made of a name only.</summary>
    /// <param name="name">The name.</param>
    public static implicit operator TaskKey(string name) => new(name);

    /// <summary>Compares two keys for equality.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether the keys are equal.</returns>
    public static bool operator ==(TaskKey left, TaskKey right) => left.Equals(right);

    /// <summary>Compares two keys for inequality.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether the keys differ.</returns>
    public static bool operator !=(TaskKey left, TaskKey right) => !left.Equals(right);

    /// <summary>Orders keys by name, then index count, then indices.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether <paramref name="left"/> sorts first.</returns>
    public static bool operator <(TaskKey left, TaskKey right) => left.CompareTo(right) < 0;

    /// <summary>Orders keys by name, then index count, then indices.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether <paramref name="left"/> sorts last.</returns>
    public static bool operator >(TaskKey left, TaskKey right) => left.CompareTo(right) > 0;

    /// <summary>Orders keys by name, then index count, then indices.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether <paramref name="left"/> sorts first or equal.</returns>
    public static bool operator <=(TaskKey left, TaskKey right) => left.CompareTo(right) <= 0;

    /// <summary>Orders keys by name, then index count, then indices.</summary>
    /// <param name="left">A key.</param>
    /// <param name="right">Another key.</param>
    /// <returns>Whether <paramref name="left"/> sorts last or equal.</returns>
    public static bool operator >=(TaskKey left, TaskKey right) => left.CompareTo(right) >= 0;

    /// <summary>Copies the indices into <paramref name="destination"/>.</summary>
    /// <param name="destination">At least <see cref="IndexCount"/> long.</param>
    /// <returns>The number of indices written.</returns>
    public int CopyIndicesTo(Span<int> destination)
    {
        if (IndexCount > 0)
        {
            destination[0] = _i0;
        }

        if (IndexCount > 1)
        {
            destination[1] = _i1;
        }

        if (IndexCount > 2)
        {
            destination[2] = _i2;
        }

        if (IndexCount > 3)
        {
            destination[3] = _i3;
        }

        return IndexCount;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(TaskKey other) =>
        _nameAndCount == other._nameAndCount && _i0 == other._i0 && _i1 == other._i1 &&
        _i2 == other._i2 && _i3 == other._i3;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is TaskKey other && Equals(other);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public override int GetHashCode()
    {
        // A multiply-rotate mix: keys are hashed on every scheduler transition, and HashCode.Combine over six
        // fields costs several times more. Spreading the low bits matters because indices are small and dense.
        ulong name = (ulong)_nameAndCount;
        uint h = ((uint)name ^ (uint)(name >> 32)) * 0x9E3779B1u;
        h = BitOperations.RotateLeft(h ^ ((uint)_i0 * 0x85EBCA77u), 13) * 0xC2B2AE3Du;
        h = BitOperations.RotateLeft(h ^ ((uint)_i1 * 0x85EBCA77u), 13) * 0xC2B2AE3Du;
        h = BitOperations.RotateLeft(h ^ ((uint)_i2 * 0x85EBCA77u), 13) * 0xC2B2AE3Du;
        h = BitOperations.RotateLeft(h ^ ((uint)_i3 * 0x85EBCA77u), 13) * 0xC2B2AE3Du;
        return (int)(h ^ (h >> 16));
    }

    /// <inheritdoc/>
    public int CompareTo(TaskKey other)
    {
        if (NameCode != other.NameCode)
        {
            return KeyNames.CompareOrdinal(NameCode, other.NameCode);
        }

        int c = IndexCount.CompareTo(other.IndexCount);
        if (c != 0)
        {
            return c;
        }

        c = _i0.CompareTo(other._i0);
        if (c != 0)
        {
            return c;
        }

        c = _i1.CompareTo(other._i1);
        if (c != 0)
        {
            return c;
        }

        c = _i2.CompareTo(other._i2);
        return c != 0 ? c : _i3.CompareTo(other._i3);
    }

    /// <summary>Formats the key as <c>('name', i, j)</c>, or <c>'name'</c> without indices.</summary>
    /// <returns>The key as text.</returns>
    public override string ToString()
    {
        if (IsEmpty)
        {
            return "(no key)";
        }

        if (IndexCount == 0)
        {
            return $"'{Name}'";
        }

        var text = new StringBuilder();
        text.Append("('").Append(Name).Append('\'');
        for (int i = 0; i < IndexCount; i++)
        {
            text.Append(", ").Append(this[i]);
        }

        return text.Append(')').ToString();
    }
}
