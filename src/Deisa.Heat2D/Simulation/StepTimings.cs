namespace Deisa.Heat2D.Simulation;

/// <summary>
/// One simulation rank's compute and coupling times, step by step, in constant memory: a run of any length holds
/// nothing per step (issue 13). Keeps the first and the last step's coupling exactly, the count and sums, running
/// (Welford) means and variances of the coupling over every step and over the steady steps (all but the first and
/// the last), and a fixed histogram of the steady coupling for its median.
/// </summary>
/// <remarks>
/// The histogram has <see cref="BinsPerOctave"/> log-spaced bins per factor of 2 from <see cref="LowestSeconds"/>
/// (1 ns, the clock's tick) to <see cref="HighestSeconds"/> (about 1100 s), plus one bin below and one above:
/// 322 longs. A bin spans a factor of 2^(1/8), about 9 %; the median is reported as its bin's geometric centre, so
/// it is within a factor of 2^(1/16) (about ±4.4 %) of the exact median. A median under 1 ns is reported as 0, one
/// above the range as <see cref="HighestSeconds"/>. Not thread-safe: the rank's simulation thread feeds it.
/// </remarks>
internal sealed class StepTimings
{
    /// <summary>Histogram bins per factor of 2.</summary>
    public const int BinsPerOctave = 8;

    /// <summary>Factors of 2 the histogram spans.</summary>
    public const int Octaves = 40;

    /// <summary>The lower edge of the histogram's first regular bin, in seconds.</summary>
    public const double LowestSeconds = 1e-9;

    private const int Regular = BinsPerOctave * Octaves;

    private readonly long[] _bins = new long[Regular + 2];
    private Moments _all;
    private Moments _steady;
    private long _count;
    private double _computeSum;
    private double _couplingSum;
    private double _first;

    // The latest step is held back until the next one arrives: it is the last step until then, which is neither
    // steady nor final (the run adds the last publication's completion to it).
    private double _heldCompute;
    private double _heldCoupling;

    /// <summary>Gets the upper edge of the histogram's last regular bin, in seconds.</summary>
    public static double HighestSeconds { get; } = LowestSeconds * Math.Pow(2, Octaves);

    /// <summary>Gets the steps recorded.</summary>
    public long Count => _count;

    /// <summary>Records one step.</summary>
    /// <param name="computeSeconds">Stencil and halo exchange.</param>
    /// <param name="couplingSeconds">Publishing, and waiting for a publication before reusing its buffer.</param>
    public void Add(double computeSeconds, double couplingSeconds)
    {
        if (_count > 0)
        {
            Fold(_count - 1, _heldCompute, _heldCoupling);
        }

        _heldCompute = computeSeconds;
        _heldCoupling = couplingSeconds;
        _count++;
    }

    /// <summary>Adds time to the latest step's coupling: the wait for the last publication once the run ended.</summary>
    /// <param name="couplingSeconds">Seconds to add.</param>
    /// <exception cref="InvalidOperationException">No step was recorded.</exception>
    public void AddToLast(double couplingSeconds)
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("No step was recorded, so there is no last step to add coupling time to.");
        }

        _heldCoupling += couplingSeconds;
    }

    /// <summary>The statistics of the steps so far, the latest one as the last.</summary>
    /// <returns>
    /// The summary; with 2 steps or fewer there is no step in between, and the steady figures are those of every
    /// step (the median the larger of the two).
    /// </returns>
    /// <exception cref="InvalidOperationException">No step was recorded.</exception>
    public RankTimings Summarise()
    {
        if (_count == 0)
        {
            throw new InvalidOperationException("No step was recorded: a run has at least one step.");
        }

        Moments all = _all;
        all.Add(_heldCoupling);
        double first = _count == 1 ? _heldCoupling : _first;
        bool steady = _count > 2;
        return new RankTimings(
            _count,
            first,
            _heldCoupling,
            _computeSum + _heldCompute,
            _couplingSum + _heldCoupling,
            all.Mean,
            all.Std,
            steady ? _steady.Mean : all.Mean,
            steady ? _steady.Std : all.Std,
            steady ? SteadyMedian() : Math.Max(first, _heldCoupling));
    }

    /// <summary>The bin of a coupling time: 0 below <see cref="LowestSeconds"/> (zero included), the last one from <see cref="HighestSeconds"/> on.</summary>
    internal static int Bin(double seconds)
    {
        if (!(seconds >= LowestSeconds))
        {
            return 0;
        }

        double position = BinsPerOctave * Math.Log2(seconds / LowestSeconds);
        return position >= Regular ? Regular + 1 : 1 + (int)position;
    }

    /// <summary>What a bin reports: its geometric centre, 0 for the one below the range, the range's top for the one above.</summary>
    internal static double Centre(int bin) => bin switch
    {
        0 => 0,
        Regular + 1 => HighestSeconds,
        _ => LowestSeconds * Math.Pow(2, (bin - 0.5) / BinsPerOctave),
    };

    private void Fold(long index, double compute, double coupling)
    {
        _computeSum += compute;
        _couplingSum += coupling;
        _all.Add(coupling);
        if (index == 0)
        {
            _first = coupling;
        }
        else
        {
            // Folded only once a later step exists, so neither the first nor the last.
            _steady.Add(coupling);
            _bins[Bin(coupling)]++;
        }
    }

    /// <summary>The bin holding the steady step of rank ⌊n / 2⌋ in ascending order (the upper median for an even n).</summary>
    private double SteadyMedian()
    {
        long rank = _steady.Count / 2;
        long below = 0;
        for (int bin = 0; bin < _bins.Length; bin++)
        {
            below += _bins[bin];
            if (below > rank)
            {
                return Centre(bin);
            }
        }

        throw new InvalidOperationException($"The histogram holds {below} steady steps, not the {_steady.Count} recorded.");
    }

    /// <summary>Welford's running mean and sum of squared deviations.</summary>
    private struct Moments
    {
        private double _m2;

        public long Count { get; private set; }

        public double Mean { get; private set; }

        /// <summary>Gets the population standard deviation (over the values, not an estimate for a larger sample).</summary>
        public readonly double Std => Count == 0 ? 0 : Math.Sqrt(_m2 / Count);

        public void Add(double value)
        {
            Count++;
            double delta = value - Mean;
            Mean += delta / Count;
            _m2 += delta * (value - Mean);
        }
    }
}
