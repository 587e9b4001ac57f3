using System.Collections.Concurrent;
using System.Text;

namespace Deisa.Core.Graph;

/// <summary>
/// Process-wide table that interns key names to small integer identifiers.
/// </summary>
/// <remarks>
/// Interning keeps <see cref="TaskKey"/> a 24-byte unmanaged value whose equality is integer comparison, and lets
/// the codec decode a key without allocating a string. Identifiers are local to the process: the wire carries
/// names. A name lives as long as the process, so put what varies (time step, block position) in the indices of a
/// key, never in its name.
/// </remarks>
internal static class KeyNames
{
    /// <summary>The longest name, in UTF-8 bytes, that the codec can carry.</summary>
    public const int MaxUtf8Length = 255;

    private static readonly ConcurrentDictionary<string, int> s_ids = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> s_spanIds =
        s_ids.GetAlternateLookup<ReadOnlySpan<char>>();
    private static readonly Lock s_writeLock = new();
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private static string[] s_names = CreateInitialNames();
    private static int s_count = 1;

    private static string[] CreateInitialNames()
    {
        var names = new string[256];
        names[0] = string.Empty;
        return names;
    }

    /// <summary>Returns the identifier of <paramref name="name"/>, interning it on first use.</summary>
    public static int Intern(string name)
    {
        if (s_ids.TryGetValue(name, out int id))
        {
            return id;
        }

        Validate(name);
        return Add(name);
    }

    /// <summary>Returns the identifier of a name given as characters, interning it on first use.</summary>
    public static int Intern(ReadOnlySpan<char> name)
    {
        if (s_spanIds.TryGetValue(name, out int id))
        {
            return id;
        }

        string text = name.ToString();
        Validate(text);
        return Add(text);
    }

    /// <summary>Returns the identifier of a name given as UTF-8 bytes, interning it on first use.</summary>
    /// <exception cref="DecoderFallbackException">The bytes are not valid UTF-8.</exception>
    /// <exception cref="ArgumentException">The name is empty or longer than <see cref="MaxUtf8Length"/> bytes.</exception>
    public static int InternUtf8(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxUtf8Length)
        {
            throw new ArgumentException($"A key name of {utf8.Length} UTF-8 bytes is longer than {MaxUtf8Length}.", nameof(utf8));
        }

        // Strict: invalid bytes must fail, not become U+FFFD, which takes three bytes and can make a
        // 255-byte name too long to intern.
        Span<char> chars = stackalloc char[MaxUtf8Length];
        int count = s_strictUtf8.GetChars(utf8, chars);
        return Intern(chars[..count]);
    }

    /// <summary>Returns the name of an identifier produced by <see cref="Intern(string)"/>.</summary>
    public static string Get(int id) => Volatile.Read(ref s_names)[id];

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
            s_count = id + 1;

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
