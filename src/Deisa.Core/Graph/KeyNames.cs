using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Deisa.Core.Arrays;

namespace Deisa.Core.Graph;

/// <summary>
/// Process-wide table that maps key names to 61-bit codes, so that a <see cref="TaskKey"/> compares and hashes
/// integers only.
/// </summary>
/// <remarks>
/// <para>
/// Two kinds of name. A name the user or the simulation chose (<c>temperature</c>) is interned: it gets a small
/// identifier and lives as long as the process, so put what varies (time step, block position) in the indices of a
/// key, never in its name. A name the array API generates for a derived array (<c>mean-17</c>, and the
/// <c>mean-17-combine0</c> of its reduction tree) is made fresh for every computation, so a window callback makes
/// some for every step: interning those would cost memory per step for ever. Such a name is therefore encoded in
/// its code (the operation, the serial number, the suffix of a reduction's partial or tree keys) and stored nowhere;
/// its text is rebuilt when asked for.
/// </para>
/// <para>
/// The grammar of a generated name is <c>operation-serial[-partial|-combineLevel]</c>, with an operation from
/// <see cref="s_operations"/> and numbers without leading zeros. Any string of that form gets the generated code,
/// whether the array API made it or a user typed it, so a name has one code however it enters the process. Codes
/// are local to the process: the wire carries names.
/// </para>
/// </remarks>
internal static class KeyNames
{
    /// <summary>The longest name, in UTF-8 bytes, that the codec can carry.</summary>
    public const int MaxUtf8Length = 255;

    /// <summary>The largest serial number a generated name can carry (48 bits).</summary>
    public const long MaxSerial = (1L << SuffixShift) - 1;

    /// <summary>The deepest reduction-tree level a generated name can carry.</summary>
    public const int MaxCombineLevel = 61;

    private const long GeneratedFlag = 1L << 60;
    private const int OperationShift = 54;
    private const int SuffixShift = 48;
    private const string CombineSuffix = "-combine";
    private const string PartialSuffix = "-partial";

    // The six suffix bits: none, -partial, then -combine0 to -combine61.
    private const int PartialCode = 1;
    private const int FirstCombineCode = 2;

    // The operations of DeisaArray that make derived arrays. Six bits of the code index this list.
    private static readonly string[] s_operations =
    [
        "slice", "rechunk", "concatenate", "diff", "scalar", "add", "subtract", "multiply", "divide",
        .. Enum.GetNames<Reduction>().Select(static n => n.ToLowerInvariant()),
    ];

    private static readonly byte[][] s_operationsUtf8 = [.. s_operations.Select(static o => Encoding.ASCII.GetBytes(o))];
    private static readonly byte[] s_combineUtf8 = Encoding.ASCII.GetBytes(CombineSuffix);
    private static readonly byte[] s_partialUtf8 = Encoding.ASCII.GetBytes(PartialSuffix);

    private static readonly ConcurrentDictionary<string, int> s_ids = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> s_spanIds =
        s_ids.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly Lock s_writeLock = new();
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static string[] s_names = CreateInitialNames();
    private static int s_count = 1;
    private static long s_nextSerial;

    private static string[] CreateInitialNames()
    {
        var names = new string[256];
        names[0] = string.Empty;
        return names;
    }

    /// <summary>Gets how many names are interned: generated names are not.</summary>
    public static int InternedCount => Volatile.Read(ref s_count);

    /// <summary>Makes a fresh name for a derived array: <c>operation-serial</c>, never interned.</summary>
    /// <param name="operation">One of the operations the grammar knows.</param>
    /// <returns>The name.</returns>
    public static string NewGenerated(string operation)
    {
        int index = Array.IndexOf(s_operations, operation);
        if (index < 0)
        {
            throw new ArgumentException($"'{operation}' is not an operation of generated key names.", nameof(operation));
        }

        long serial = Interlocked.Increment(ref s_nextSerial);
        if (serial > MaxSerial)
        {
            throw new InvalidOperationException($"This process has made {MaxSerial} derived arrays, the most a key name can number.");
        }

        return $"{operation}-{serial}";
    }

    /// <summary>Returns the code of <paramref name="name"/>, interning it on first use unless it is generated.</summary>
    public static long Intern(string name) => Intern(name.AsSpan(), name);

    /// <summary>Returns the code of a name given as characters, interning it on first use unless it is generated.</summary>
    public static long Intern(ReadOnlySpan<char> name) => Intern(name, null);

    /// <summary>Returns the code of a name given as UTF-8 bytes, interning it on first use unless it is generated.</summary>
    /// <exception cref="DecoderFallbackException">The bytes are not valid UTF-8.</exception>
    /// <exception cref="ArgumentException">The name is empty or longer than <see cref="MaxUtf8Length"/> bytes.</exception>
    public static long InternUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxUtf8Length)
        {
            throw new ArgumentException($"A key name of {utf8.Length} UTF-8 bytes is longer than {MaxUtf8Length}.", nameof(utf8));
        }

        if (TryParseGenerated(utf8, out long code))
        {
            return code;
        }

        // Strict: invalid bytes must fail, not become U+FFFD, which takes three bytes and can make a
        // 255-byte name too long to intern.
        Span<char> chars = stackalloc char[MaxUtf8Length];
        int count = s_strictUtf8.GetChars(utf8, chars);
        return Intern(chars[..count], null);
    }

    /// <summary>Returns the name of a code; a generated name is rebuilt, so this allocates for those.</summary>
    public static string Get(long code)
    {
        if ((code & GeneratedFlag) == 0)
        {
            return Volatile.Read(ref s_names)[(int)code];
        }

        Span<byte> utf8 = stackalloc byte[MaxUtf8Length];
        int count = WriteUtf8(code, utf8);
        return Encoding.ASCII.GetString(utf8[..count]);
    }

    /// <summary>Writes the name of a code as UTF-8 without allocating.</summary>
    /// <param name="code">A code from this table.</param>
    /// <param name="destination">At least <see cref="MaxUtf8Length"/> bytes.</param>
    /// <returns>The number of bytes written.</returns>
    public static int WriteUtf8(long code, Span<byte> destination)
    {
        if ((code & GeneratedFlag) == 0)
        {
            return Encoding.UTF8.GetBytes(Volatile.Read(ref s_names)[(int)code], destination);
        }

        byte[] operation = s_operationsUtf8[(int)((code >> OperationShift) & 0x3F)];
        operation.CopyTo(destination);
        int written = operation.Length;
        destination[written++] = (byte)'-';
        bool ok = Utf8Formatter.TryFormat(code & MaxSerial, destination[written..], out int digits);
        Debug.Assert(ok, "A 48-bit serial fits the buffer.");
        written += digits;
        int suffix = (int)((code >> SuffixShift) & 0x3F);
        if (suffix == PartialCode)
        {
            s_partialUtf8.CopyTo(destination[written..]);
            written += s_partialUtf8.Length;
        }
        else if (suffix >= FirstCombineCode)
        {
            s_combineUtf8.CopyTo(destination[written..]);
            written += s_combineUtf8.Length;
            ok = Utf8Formatter.TryFormat(suffix - FirstCombineCode, destination[written..], out digits);
            Debug.Assert(ok, "A level fits the buffer.");
            written += digits;
        }

        return written;
    }

    /// <summary>Compares the names of two codes in ordinal order, without allocating.</summary>
    public static int CompareOrdinal(long left, long right)
    {
        if (((left | right) & GeneratedFlag) == 0)
        {
            return string.CompareOrdinal(Get(left), Get(right));
        }

        // Generated names are ASCII, so their UTF-8 bytes widen to the same UTF-16 units.
        Span<char> a = stackalloc char[MaxUtf8Length];
        Span<char> b = stackalloc char[MaxUtf8Length];
        return a[..Chars(left, a)].SequenceCompareTo(b[..Chars(right, b)]);
    }

    private static int Chars(long code, Span<char> destination)
    {
        if ((code & GeneratedFlag) == 0)
        {
            string name = Get(code);
            name.CopyTo(destination);
            return name.Length;
        }

        Span<byte> utf8 = stackalloc byte[MaxUtf8Length];
        int count = WriteUtf8(code, utf8);
        return Encoding.ASCII.GetChars(utf8[..count], destination);
    }

    private static long Intern(ReadOnlySpan<char> name, string? text)
    {
        if (s_spanIds.TryGetValue(name, out int id))
        {
            return id;
        }

        // Generated names are ASCII: a longer name or one outside ASCII is never one.
        if (name.Length <= MaxUtf8Length && Ascii.IsValid(name))
        {
            Span<byte> utf8 = stackalloc byte[MaxUtf8Length];
            int count = Encoding.ASCII.GetBytes(name, utf8);
            if (TryParseGenerated(utf8[..count], out long code))
            {
                return code;
            }
        }

        text ??= name.ToString();
        Validate(text);
        return Add(text);
    }

    private static bool TryParseGenerated(ReadOnlySpan<byte> utf8, out long code)
    {
        code = 0;
        int dash = utf8.IndexOf((byte)'-');
        if (dash <= 0)
        {
            return false;
        }

        int operation = -1;
        for (int i = 0; i < s_operationsUtf8.Length; i++)
        {
            if (utf8[..dash].SequenceEqual(s_operationsUtf8[i]))
            {
                operation = i;
                break;
            }
        }

        if (operation < 0 || !TryParseNumber(utf8[(dash + 1)..], MaxSerial, out long serial, out int used))
        {
            return false;
        }

        ReadOnlySpan<byte> rest = utf8[(dash + 1 + used)..];
        long suffix = 0;
        if (rest.SequenceEqual(s_partialUtf8))
        {
            suffix = PartialCode;
        }
        else if (!rest.IsEmpty)
        {
            if (!rest.StartsWith(s_combineUtf8) ||
                !TryParseNumber(rest[s_combineUtf8.Length..], MaxCombineLevel, out long level, out int levelDigits) ||
                s_combineUtf8.Length + levelDigits != rest.Length)
            {
                return false;
            }

            suffix = level + FirstCombineCode;
        }

        code = GeneratedFlag | ((long)operation << OperationShift) | (suffix << SuffixShift) | serial;
        return true;
    }

    // Decimal digits at the start of the span, no leading zero but for "0" itself, so that the text of a code is
    // the one string that maps to it.
    private static bool TryParseNumber(ReadOnlySpan<byte> digits, long max, out long value, out int used)
    {
        value = 0;
        used = 0;
        while (used < digits.Length && (uint)(digits[used] - '0') <= 9)
        {
            if (used == 1 && value == 0)
            {
                return false;
            }

            value = (value * 10) + (digits[used] - '0');
            if (value > max)
            {
                return false;
            }

            used++;
        }

        return used > 0;
    }

    private static int Add(string name)
    {
        lock (s_writeLock)
        {
            if (s_ids.TryGetValue(name, out int existing))
            {
                return existing;
            }

            int id = s_count;
            string[] names = s_names;
            if (id == names.Length)
            {
                Array.Resize(ref names, names.Length * 2);
            }

            names[id] = name;
            Volatile.Write(ref s_names, names);
            Volatile.Write(ref s_count, id + 1);

            // Publish the id last so a reader that finds it can always read the name back.
            s_ids[name] = id;
            return id;
        }
    }

    private static void Validate(string name)
    {
        if (name.Length == 0)
        {
            throw new ArgumentException("A key name must not be empty.", nameof(name));
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxUtf8Length)
        {
            throw new ArgumentException(
                $"The key name '{name[..Math.Min(40, name.Length)]}…' is longer than {MaxUtf8Length} UTF-8 bytes; " +
                "use a short name and put what varies in the key's indices.",
                nameof(name));
        }
    }
}
