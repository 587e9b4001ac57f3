using System.Globalization;
using System.Text;

namespace Deisa.Core.Arrays;

/// <summary>
/// A set of time steps held in a size that does not grow with the run: intervals, each with a period and the
/// offsets within a period that belong to it ("every 10th step from 5", "steps 0 to 99, then every other one").
/// </summary>
/// <remarks>
/// <para>Immutable. Membership and the next member after a step cost O(log intervals + log offsets). A set may be
/// unbounded (every matching step to the end of the run, however long): <see cref="IsBounded"/> is then false.</para>
/// <para>The form is canonical: intervals are disjoint, start and end at members, and carry their smallest period,
/// so equal sets compare equal.</para>
/// </remarks>
public sealed class StepSet : IEquatable<StepSet>
{
    /// <summary>The end of an interval that runs to the end of the run.</summary>
    public const int Unbounded = int.MaxValue;

    /// <summary>A period is at most this long (the offsets of one period are kept as integers).</summary>
    private const int MaxPeriod = 1 << 20;

    private readonly Segment[] _segments;

    private StepSet(Segment[] segments)
    {
        _segments = segments;
    }

    /// <summary>Gets the empty set.</summary>
    public static StepSet Empty { get; } = new([]);

    /// <summary>Gets every step from 0, unbounded.</summary>
    public static StepSet All { get; } = new([new Segment(0, Unbounded, 1, [0])]);

    /// <summary>Gets whether the set has no step.</summary>
    public bool IsEmpty => _segments.Length == 0;

    /// <summary>Gets whether the set ends (false when it holds every matching step to the end of the run).</summary>
    public bool IsBounded => _segments.Length == 0 || _segments[^1].End != Unbounded;

    /// <summary>Gets the number of steps, or <see cref="long.MaxValue"/> for an unbounded set.</summary>
    public long Count
    {
        get
        {
            if (!IsBounded)
            {
                return long.MaxValue;
            }

            long count = 0;
            foreach (Segment segment in _segments)
            {
                count += segment.CountBelow(segment.End);
            }

            return count;
        }
    }

    /// <summary>Gets the first step, or -1 when empty.</summary>
    public int First => _segments.Length == 0 ? -1 : _segments[0].Start;

    /// <summary>Gets the last step, or -1 when empty or unbounded.</summary>
    public int Last => IsBounded && _segments.Length > 0 ? _segments[^1].End - 1 : -1;

    /// <summary>Gets the number of intervals the set is held in: its size, whatever the number of steps.</summary>
    public int IntervalCount => _segments.Length;

    /// <summary>Creates the steps <paramref name="start"/>, <paramref name="start"/> + <paramref name="stride"/>, … below <paramref name="end"/>.</summary>
    /// <param name="start">The first step.</param>
    /// <param name="end">The end, excluded; <see cref="Unbounded"/> for no end.</param>
    /// <param name="stride">The distance between steps, at least 1.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative start, a stride below 1.</exception>
    public static StepSet Range(int start, int end, int stride = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        if (stride < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, "A stride between steps must be at least 1.");
        }

        if (end <= start)
        {
            return Empty;
        }

        return Normalize([new Segment(start, end, stride, [0])]);
    }

    /// <summary>Creates a set from steps in any order, compressed into progressions where they form them.</summary>
    /// <param name="steps">The steps; repeats are ignored.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A negative step.</exception>
    public static StepSet FromSteps(IEnumerable<int> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        int[] sorted = [.. steps.Distinct().Order()];
        if (sorted.Length > 0 && sorted[0] < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(steps), sorted[0], "Steps are not negative.");
        }

        // Greedy runs of equal differences: a selection with a stride comes out as one interval.
        var segments = new List<Segment>();
        int i = 0;
        while (i < sorted.Length)
        {
            int start = sorted[i];
            if (i + 1 == sorted.Length)
            {
                segments.Add(new Segment(start, start + 1, 1, [0]));
                break;
            }

            int stride = sorted[i + 1] - start;
            int j = i + 1;
            while (j + 1 < sorted.Length && sorted[j + 1] - sorted[j] == stride)
            {
                j++;
            }

            segments.Add(new Segment(start, sorted[j] + 1, stride, [0]));
            i = j + 1;
        }

        return Normalize(segments);
    }

    /// <summary>Decodes a set written by <see cref="Write"/>.</summary>
    internal static StepSet Read(ref Protocol.SpanReader reader)
    {
        int count = reader.ReadCount(16, "step intervals");
        var segments = new Segment[count];
        int previousEnd = 0;
        for (int i = 0; i < count; i++)
        {
            int start = reader.ReadInt32();
            int end = reader.ReadInt32();
            int period = reader.ReadInt32();
            int residues = reader.ReadCount(4, "offsets in a period");
            if (start < previousEnd || end <= start || period < 1 || period > MaxPeriod || residues < 1 || residues > period)
            {
                throw reader.Fail($"a step set has an invalid interval [{start}, {end}) of period {period} with {residues} offset(s).");
            }

            int[] offsets = new int[residues];
            reader.ReadRaw<int>(offsets);
            for (int r = 0; r < residues; r++)
            {
                if (offsets[r] < 0 || offsets[r] >= period || (r > 0 && offsets[r] <= offsets[r - 1]))
                {
                    throw reader.Fail($"a step set's interval at {start} has offsets out of order or outside its period {period}.");
                }
            }

            segments[i] = new Segment(start, end, period, offsets);
            previousEnd = end;
        }

        return Normalize(segments);
    }

    /// <summary>Gets whether <paramref name="step"/> belongs to the set.</summary>
    /// <param name="step">The step.</param>
    /// <returns>True when it does.</returns>
    public bool Contains(int step)
    {
        int at = SegmentAt(step);
        return at >= 0 && _segments[at].Contains(step);
    }

    /// <summary>Gets the first step of the set at or after <paramref name="step"/>, or -1.</summary>
    /// <param name="step">Where to look from.</param>
    /// <returns>The step, or -1 when none follows.</returns>
    public int NextAtOrAfter(int step)
    {
        step = Math.Max(step, 0);
        int lo = 0;
        int hi = _segments.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_segments[mid].End <= step)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        for (int i = lo; i < _segments.Length; i++)
        {
            int next = _segments[i].NextAtOrAfter(step);
            if (next >= 0)
            {
                return next;
            }
        }

        return -1;
    }

    /// <summary>Enumerates the steps in increasing order, below <paramref name="end"/>.</summary>
    /// <param name="end">Where to stop (excluded); needed to enumerate an unbounded set.</param>
    /// <returns>The steps.</returns>
    public IEnumerable<int> Enumerate(int end = Unbounded)
    {
        foreach (Segment segment in _segments)
        {
            for (long cycle = segment.Start; cycle < Math.Min(segment.End, end); cycle += segment.Period)
            {
                foreach (int offset in segment.Residues)
                {
                    long step = cycle + offset;
                    if (step >= segment.End || step >= end)
                    {
                        break;
                    }

                    yield return (int)step;
                }
            }
        }
    }

    /// <summary>Gets the steps in either set.</summary>
    /// <param name="other">The other set.</param>
    /// <returns>The union.</returns>
    public StepSet Union(StepSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.IsEmpty ? this : IsEmpty ? other : Combine(this, other, static (a, b) => a || b);
    }

    /// <summary>Gets the steps of this set that are not in <paramref name="other"/>.</summary>
    /// <param name="other">The steps to remove.</param>
    /// <returns>The difference.</returns>
    public StepSet Except(StepSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.IsEmpty || IsEmpty ? this : Combine(this, other, static (a, b) => a && !b);
    }

    /// <summary>Gets the steps in both sets.</summary>
    /// <param name="other">The other set.</param>
    /// <returns>The intersection.</returns>
    public StepSet Intersect(StepSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return other.IsEmpty || IsEmpty ? Empty : Combine(this, other, static (a, b) => a && b);
    }

    /// <summary>Gets the steps of this set in [<paramref name="start"/>, <paramref name="end"/>).</summary>
    /// <param name="start">The first step kept.</param>
    /// <param name="end">The end, excluded.</param>
    /// <returns>The part of the set.</returns>
    public StepSet Within(int start, int end) => Intersect(Range(Math.Max(0, start), end));

    /// <summary>Gets the set moved by <paramref name="offset"/> steps; steps that would fall below 0 are dropped.</summary>
    /// <param name="offset">The distance, negative to move back.</param>
    /// <returns>The moved set.</returns>
    public StepSet Shift(long offset) => Affine(1, offset);

    /// <summary>Gets {<paramref name="scale"/>·s + <paramref name="offset"/>} for every step s of the set; results below 0 are dropped.</summary>
    /// <param name="scale">The factor, at least 1.</param>
    /// <param name="offset">The offset.</param>
    /// <returns>The mapped set.</returns>
    /// <exception cref="OverflowException">A step would pass the largest step there can be.</exception>
    public StepSet Affine(long scale, long offset)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(scale, 1);
        var result = new List<Segment>();
        foreach (Segment segment in _segments)
        {
            // Steps of the segment whose image is not negative.
            long from = offset >= 0 ? 0 : CeilingDivide(-offset, scale);
            int first = from > int.MaxValue - 1 ? -1 : segment.NextAtOrAfter((int)from);
            if (first < 0)
            {
                continue;
            }

            Segment kept = segment.ClipFrom(first);
            long start = checked((scale * kept.Start) + offset);
            long end = kept.End == Unbounded ? Unbounded : checked((scale * (kept.End - 1)) + offset + 1);
            long period = checked(scale * kept.Period);
            if (end != Unbounded && end >= Unbounded)
            {
                throw new OverflowException($"Mapping the steps {this} by {scale}·s + {offset} passes step {int.MaxValue - 1}.");
            }

            if (period > int.MaxValue)
            {
                // Every member is a stretch of its own: only for sets that have few members.
                period = kept.End == Unbounded ? throw new OverflowException($"Mapping the steps {this} by {scale}·s + {offset} needs a period above {int.MaxValue}.") : end - start;
            }

            int[] residues = new int[kept.Residues.Length];
            for (int i = 0; i < residues.Length; i++)
            {
                residues[i] = checked((int)(scale * kept.Residues[i]));
            }

            result.Add(new Segment((int)start, (int)end, (int)period, residues));
        }

        return Normalize(result);
    }

    /// <summary>Gets {⌊s / <paramref name="divisor"/>⌋} for every step s of the set.</summary>
    /// <param name="divisor">The divisor, at least 1.</param>
    /// <returns>The set of quotients.</returns>
    public StepSet FloorDiv(long divisor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(divisor, 1);
        if (divisor == 1)
        {
            return this;
        }

        // The quotients of neighbouring intervals may meet: each interval's image is a set of its own, united.
        StepSet union = Empty;
        foreach (Segment segment in _segments)
        {
            var result = new List<Segment>();

            // Over a common period L of the segment and the divisor, the quotients repeat, moved by L / divisor.
            long cycle = Lcm(segment.Period, divisor);
            int origin = (int)(segment.Start / divisor);
            long period = cycle / divisor;
            var image = new SortedSet<long>();
            long cycleEnd = segment.End == Unbounded ? (long)segment.Start + cycle : Math.Min((long)segment.Start + cycle, segment.End);
            for (int step = segment.Start; step >= 0 && step < cycleEnd; step = step == int.MaxValue ? -1 : segment.NextAtOrAfter(step + 1))
            {
                image.Add((step / divisor) - origin);
                if (image.Count > MaxPeriod)
                {
                    throw new NotSupportedException($"Dividing the steps {this} by {divisor} needs more than {MaxPeriod} offsets in a period.");
                }
            }

            long end = segment.End == Unbounded ? Unbounded : ((segment.End - 1) / divisor) + 1;
            AddPeriodicImage(result, origin, end, period, image, cycleEnd < segment.End || segment.End == Unbounded);
            union = union.Union(Normalize(result));
        }

        return union;
    }

    /// <summary>Gets every step within <paramref name="width"/> after a step of the set: {s + k : 0 ≤ k &lt; width}.</summary>
    /// <param name="width">How far each step reaches, at least 1.</param>
    /// <returns>The widened set.</returns>
    public StepSet ExpandTo(long width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (width == 1)
        {
            return this;
        }

        // A widened interval may reach into the next: each interval's image is a set of its own, united.
        StepSet union = Empty;
        foreach (Segment segment in _segments)
        {
            var result = new List<Segment>();
            long last = segment.End == Unbounded ? Unbounded : segment.End - 1;
            long end = segment.End == Unbounded ? Unbounded : checked(last + width);
            if (end != Unbounded && end >= Unbounded)
            {
                throw new OverflowException($"Widening the steps {this} by {width} passes step {int.MaxValue - 1}.");
            }

            if (width >= segment.MaxGap())
            {
                // The widened steps touch: one stretch.
                union = union.Union(Normalize([new Segment(segment.Start, (int)end, 1, [0])]));
                continue;
            }

            // The first period holds only its own members' reach; later ones also what the previous period's spill.
            var first = new SortedSet<long>();
            var steady = new SortedSet<long>();
            foreach (int r in segment.Residues)
            {
                for (long k = 0; k < width; k++)
                {
                    if (r + k < segment.Period)
                    {
                        first.Add(r + k);
                    }

                    steady.Add((r + k) % segment.Period);
                }
            }

            long firstEnd = Math.Min((long)segment.Start + segment.Period, end);
            result.Add(new Segment(segment.Start, (int)firstEnd, segment.Period, [.. first.Select(v => (int)v)]));
            if (firstEnd < end)
            {
                // Up to the last member the periodic pattern is exact; after it, every step within reach of it.
                long patternEnd = segment.End == Unbounded ? Unbounded : last + 1;
                if (patternEnd > firstEnd)
                {
                    result.Add(new Segment((int)firstEnd, (int)patternEnd, segment.Period, [.. steady.Select(v => (int)v)]));
                }

                if (segment.End != Unbounded && Math.Max(last + 1, firstEnd) < end)
                {
                    result.Add(new Segment((int)Math.Max(last + 1, firstEnd), (int)end, 1, [0]));
                }
            }

            union = union.Union(Normalize(result));
        }

        return union;
    }

    /// <summary>Creates the steps s in [<paramref name="start"/>, <paramref name="end"/>) with (s − start) mod <paramref name="period"/> among <paramref name="offsets"/>.</summary>
    internal static StepSet Periodic(int start, int end, int period, IEnumerable<int> offsets)
    {
        int[] residues = [.. offsets.Distinct().Order()];
        if (residues.Length == 0 || end <= start)
        {
            return Empty;
        }

        return Normalize([new Segment(start, end, period, residues)]);
    }

    /// <summary>Adds the image of a quotient map: an explicit first period, then the pattern the later periods share.</summary>
    private static void AddPeriodicImage(List<Segment> result, int origin, long end, long period, SortedSet<long> image, bool repeats)
    {
        if (!repeats || period > int.MaxValue)
        {
            // The segment ends within one cycle: its quotients are all there is.
            foreach (long v in image)
            {
                long step = origin + v;
                if (step < end)
                {
                    result.Add(new Segment((int)step, (int)step + 1, 1, [0]));
                }
            }

            return;
        }

        var firstPeriod = image.Where(v => v < period).Select(v => (int)v).ToArray();
        long firstEnd = Math.Min(origin + period, end);
        if (firstPeriod.Length > 0)
        {
            result.Add(new Segment(origin, (int)firstEnd, (int)period, firstPeriod));
        }

        if (firstEnd < end)
        {
            int[] steady = [.. image.Select(v => (int)(v % period)).Distinct().Order()];
            result.Add(new Segment((int)firstEnd, (int)end, (int)period, steady));
        }
    }

    private static long CeilingDivide(long numerator, long denominator) => (numerator + denominator - 1) / denominator;

    /// <summary>Compares two sets by their steps, however they are held.</summary>
    /// <param name="other">The other set.</param>
    /// <returns>True when they hold the same steps.</returns>
    public bool Equals(StepSet? other)
    {
        if (other is null)
        {
            return false;
        }

        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (First != other.First || Last != other.Last || IsBounded != other.IsBounded)
        {
            return false;
        }

        bool sameForm = _segments.Length == other._segments.Length;
        for (int i = 0; sameForm && i < _segments.Length; i++)
        {
            sameForm = _segments[i].SameAs(other._segments[i]);
        }

        return sameForm || (Except(other).IsEmpty && other.Except(this).IsEmpty);
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as StepSet);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(First, Last, IsBounded);

    /// <summary>Describes the set: intervals as <c>start..end</c> (end included), with <c>:period</c> and the offsets when not every step; a lone step as itself.</summary>
    /// <returns>For example <c>5..95:10</c>, <c>0..</c> (every step from 0) or <c>{}</c>.</returns>
    public override string ToString()
    {
        if (_segments.Length == 0)
        {
            return "{}";
        }

        var text = new StringBuilder();
        foreach (Segment segment in _segments)
        {
            if (text.Length > 0)
            {
                text.Append(", ");
            }

            if (segment.End != Unbounded && segment.LastMember() == segment.Start)
            {
                text.Append(CultureInfo.InvariantCulture, $"{segment.Start}");
                continue;
            }

            text.Append(CultureInfo.InvariantCulture, $"{segment.Start}..");
            if (segment.End != Unbounded)
            {
                text.Append(CultureInfo.InvariantCulture, $"{segment.LastMember()}");
            }

            if (segment.Period > 1)
            {
                text.Append(CultureInfo.InvariantCulture, $":{segment.Period}");
                if (segment.Residues.Length > 1)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{{{string.Join(",", segment.Residues)}}}");
                }
            }
        }

        return text.ToString();
    }

    /// <summary>Encodes the set: its intervals, each with its period and offsets.</summary>
    internal void Write(Buffers.PooledBufferWriter writer)
    {
        writer.WriteInt32(_segments.Length);
        foreach (Segment segment in _segments)
        {
            writer.WriteInt32(segment.Start);
            writer.WriteInt32(segment.End);
            writer.WriteInt32(segment.Period);
            writer.WriteInt32(segment.Residues.Length);
            writer.WriteRaw<int>(segment.Residues);
        }
    }

    /// <summary>
    /// Applies <paramref name="keep"/> to membership in both sets, interval by interval: between two consecutive
    /// boundaries of either set, each is periodic, so one common period decides the whole stretch.
    /// </summary>
    private static StepSet Combine(StepSet left, StepSet right, Func<bool, bool, bool> keep)
    {
        var bounds = new SortedSet<long>();
        foreach (StepSet set in (ReadOnlySpan<StepSet>)[left, right])
        {
            foreach (Segment segment in set._segments)
            {
                bounds.Add(segment.Start);
                bounds.Add(segment.End);
            }
        }

        var result = new List<Segment>();
        long previous = -1;
        foreach (long bound in bounds)
        {
            if (previous >= 0)
            {
                AddStretch(result, left, right, (int)previous, (int)bound, keep);
            }

            previous = bound;
        }

        return Normalize(result);
    }

    private static void AddStretch(List<Segment> result, StepSet left, StepSet right, int start, int end, Func<bool, bool, bool> keep)
    {
        Segment? a = left.Covering(start);
        Segment? b = right.Covering(start);
        long length = (long)end - start;
        long period = Lcm(a?.Period ?? 1, b?.Period ?? 1);
        if (period > int.MaxValue)
        {
            period = length <= int.MaxValue
                ? length
                : throw new NotSupportedException($"Combining the step selections {left} and {right} needs a period of {period} steps; use strides with a smaller common multiple.");
        }

        // Only members of either set can be kept: enumerate those over one common period, not every step of it.
        long span = Math.Min(period, length);
        var candidates = new SortedSet<int>();
        foreach (Segment? segment in (ReadOnlySpan<Segment?>)[a, b])
        {
            if (segment is not { } s)
            {
                continue;
            }

            for (int step = s.NextAtOrAfter(start); step >= 0 && step < start + span; step = step == int.MaxValue ? -1 : s.NextAtOrAfter(step + 1))
            {
                candidates.Add(step - start);
                if (candidates.Count > MaxPeriod)
                {
                    throw new NotSupportedException(
                        $"Combining the step selections {left} and {right} needs more than {MaxPeriod} offsets in a period of {period} steps; use strides with a smaller common multiple.");
                }
            }
        }

        var residues = new List<int>();
        foreach (int r in candidates)
        {
            int step = start + r;
            if (keep(a?.Contains(step) == true, b?.Contains(step) == true))
            {
                residues.Add(r);
            }
        }

        if (residues.Count > 0)
        {
            result.Add(new Segment(start, end, (int)period, [.. residues]));
        }
    }

    private static long Lcm(long a, long b) => a / Gcd(a, b) * b;

    private static long Gcd(long a, long b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    /// <summary>Brings segments to the canonical form: trimmed to members, smallest period, neighbours merged.</summary>
    private static StepSet Normalize(IEnumerable<Segment> segments)
    {
        var result = new List<Segment>();
        foreach (Segment raw in segments)
        {
            if (raw.Trim() is not { } segment)
            {
                continue;
            }

            segment = segment.Shortened().Reduced();
            if (result.Count > 0 && result[^1].TryMerge(segment) is { } merged)
            {
                result[^1] = merged;
            }
            else
            {
                result.Add(segment);
            }
        }

        return result.Count == 0 ? Empty : new StepSet([.. result]);
    }

    private Segment? Covering(int step)
    {
        int at = SegmentAt(step);
        return at >= 0 ? _segments[at] : null;
    }

    /// <summary>The position of the interval that spans <paramref name="step"/>, or -1.</summary>
    private int SegmentAt(int step)
    {
        int lo = 0;
        int hi = _segments.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            Segment segment = _segments[mid];
            if (step < segment.Start)
            {
                hi = mid - 1;
            }
            else if (step >= segment.End)
            {
                lo = mid + 1;
            }
            else
            {
                return mid;
            }
        }

        return -1;
    }

    /// <summary>The steps s in [Start, End) with (s - Start) mod Period in Residues (sorted, the first 0 once trimmed).</summary>
    private readonly record struct Segment(int Start, int End, int Period, int[] Residues)
    {
        public bool Contains(int step)
        {
            if (step < Start || step >= End)
            {
                return false;
            }

            int offset = (int)(((long)step - Start) % Period);
            return Period == 1 || (Residues.Length == 1 ? Residues[0] == offset : Array.BinarySearch(Residues, offset) >= 0);
        }

        public int NextAtOrAfter(int step)
        {
            long from = Math.Max(step, Start);
            if (from >= End)
            {
                return -1;
            }

            long cycle = (from - Start) / Period;
            int offset = (int)((from - Start) % Period);
            int at = Array.BinarySearch(Residues, offset);
            if (at < 0)
            {
                at = ~at;
            }

            long next = at < Residues.Length ? Start + (cycle * Period) + Residues[at] : Start + ((cycle + 1) * Period) + Residues[0];
            return next < End ? (int)next : -1;
        }

        /// <summary>The members below <paramref name="limit"/>.</summary>
        public long CountBelow(long limit)
        {
            long span = Math.Min(limit, End) - Start;
            if (span <= 0)
            {
                return 0;
            }

            long full = span / Period;
            long count = full * Residues.Length;
            long rest = span % Period;
            foreach (int offset in Residues)
            {
                if (offset < rest)
                {
                    count++;
                }
            }

            return count;
        }

        /// <summary>The members at or after <paramref name="from"/>, the interval starting at the first of them.</summary>
        public Segment ClipFrom(int from)
        {
            if (from <= Start)
            {
                return this;
            }

            int shift = (int)(((long)from - Start) % Period);
            int[] residues = new int[Residues.Length];
            for (int i = 0; i < residues.Length; i++)
            {
                residues[i] = (((Residues[i] - shift) % Period) + Period) % Period;
            }

            Array.Sort(residues);
            return new Segment(from, End, Period, residues).Trim() ?? this;
        }

        /// <summary>The longest distance from one member to the next, around the period.</summary>
        public long MaxGap()
        {
            long gap = Period - Residues[^1] + Residues[0];
            for (int i = 1; i < Residues.Length; i++)
            {
                gap = Math.Max(gap, Residues[i] - Residues[i - 1]);
            }

            return gap;
        }

        /// <summary>The last member: trimmed intervals end right after one.</summary>
        public int LastMember() => End - 1;

        /// <summary>A period longer than the interval says no more than the interval itself: cut it to the interval.</summary>
        public Segment Shortened()
        {
            long span = End == Unbounded ? long.MaxValue : (long)End - Start;
            if (span >= Period)
            {
                return this;
            }

            var kept = new List<int>();
            foreach (int r in Residues)
            {
                if (r < span)
                {
                    kept.Add(r);
                }
            }

            return new Segment(Start, End, (int)span, [.. kept]);
        }

        /// <summary>Narrows the interval to its first and last members; null when it has none.</summary>
        public Segment? Trim()
        {
            int first = NextAtOrAfter(Start);
            if (first < 0)
            {
                return null;
            }

            int end = End;
            if (end != Unbounded)
            {
                end = LastBefore(End) + 1;
            }

            // Re-phase the offsets on the first member, so that the first offset is 0.
            int shift = first - Start;
            int[] residues = new int[Residues.Length];
            for (int i = 0; i < residues.Length; i++)
            {
                residues[i] = (((Residues[i] - shift) % Period) + Period) % Period;
            }

            Array.Sort(residues);
            return new Segment(first, end, Period, residues);
        }

        /// <summary>The smallest period that divides this one and gives the same members, so that sets stay small.</summary>
        public Segment Reduced()
        {
            // Candidate periods are the divisors of this one, smallest first.
            var divisors = new List<int>();
            for (int d = 1; (long)d * d <= Period; d++)
            {
                if (Period % d == 0)
                {
                    divisors.Add(d);
                    if (d != Period / d)
                    {
                        divisors.Add(Period / d);
                    }
                }
            }

            divisors.Sort();
            foreach (int divisor in divisors)
            {
                if (divisor == Period)
                {
                    break;
                }

                if (Residues.Length % (Period / divisor) != 0)
                {
                    continue;
                }

                var small = new List<int>();
                foreach (int r in Residues)
                {
                    if (r < divisor)
                    {
                        small.Add(r);
                    }
                }

                if (small.Count * (Period / divisor) != Residues.Length)
                {
                    continue;
                }

                bool repeats = true;
                foreach (int r in Residues)
                {
                    if (small.BinarySearch(r % divisor) < 0)
                    {
                        repeats = false;
                        break;
                    }
                }

                if (repeats)
                {
                    return new Segment(Start, End, divisor, [.. small]);
                }
            }

            return this;
        }

        /// <summary>
        /// Joins <paramref name="next"/> onto this interval when together they are one periodic stretch: the pattern of
        /// one of the two, carried over the other, gives exactly its members, and nothing of it is missing between them.
        /// </summary>
        public Segment? TryMerge(Segment next)
        {
            if (End == Unbounded)
            {
                return null;
            }

            if (Covers(this, next))
            {
                return new Segment(Start, next.End, Period, Residues);
            }

            // The next interval's pattern, carried back to this one's start.
            var backwards = next.Rephase(Start);
            return backwards is { } pattern && Covers(pattern with { End = End }, this, check: true) && Covers(pattern with { End = End }, next)
                ? pattern with { End = next.End }
                : null;
        }

        public bool SameAs(Segment other) =>
            Start == other.Start && End == other.End && Period == other.Period && Residues.AsSpan().SequenceEqual(other.Residues);

        /// <summary>The same periodic pattern seen from <paramref name="start"/> (before this interval): null when that step is no member.</summary>
        private Segment? Rephase(int start)
        {
            int shift = (int)((((long)Start - start) % Period + Period) % Period);
            int[] residues = new int[Residues.Length];
            for (int i = 0; i < residues.Length; i++)
            {
                residues[i] = (Residues[i] + shift) % Period;
            }

            Array.Sort(residues);
            return residues[0] == 0 ? new Segment(start, End, Period, residues) : null;
        }

        /// <summary>
        /// Whether <paramref name="pattern"/>, carried past its end, has no member before <paramref name="other"/>
        /// starts and exactly <paramref name="other"/>'s members over its interval (or, with <paramref name="check"/>,
        /// whether it has exactly <paramref name="other"/>'s members over <paramref name="other"/>'s interval).
        /// </summary>
        private static bool Covers(Segment pattern, Segment other, bool check = false)
        {
            if (!check && pattern.NextMemberOfPattern(pattern.End) != other.Start)
            {
                return false;
            }

            long window = Math.Min(Lcm(pattern.Period, other.Period), other.End == Unbounded ? long.MaxValue : (long)other.End - other.Start);
            if (window > MaxPeriod)
            {
                return false;
            }

            for (long step = other.Start; step < other.Start + window; step++)
            {
                if (pattern.InPattern(step) != other.Contains((int)step))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>Whether a step follows the pattern, ignoring the interval's end.</summary>
        private bool InPattern(long step) =>
            step >= Start && (Period == 1 || Array.BinarySearch(Residues, (int)((step - Start) % Period)) >= 0);

        /// <summary>The first member of this interval's pattern, continued past its end, at or after <paramref name="step"/>.</summary>
        private long NextMemberOfPattern(long step)
        {
            long cycle = (step - Start) / Period;
            int offset = (int)((step - Start) % Period);
            int at = Array.BinarySearch(Residues, offset);
            if (at < 0)
            {
                at = ~at;
            }

            return at < Residues.Length ? Start + (cycle * Period) + Residues[at] : Start + ((cycle + 1) * Period) + Residues[0];
        }

        private int LastBefore(int end)
        {
            long last = end - 1;
            long cycle = (last - Start) / Period;
            int offset = (int)((last - Start) % Period);
            int at = Array.BinarySearch(Residues, offset);
            if (at < 0)
            {
                at = ~at - 1;
            }

            return at >= 0 ? (int)(Start + (cycle * Period) + Residues[at]) : (int)(Start + ((cycle - 1) * Period) + Residues[^1]);
        }
    }
}
