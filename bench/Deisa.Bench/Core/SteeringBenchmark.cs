using BenchmarkDotNet.Attributes;
using Deisa.Core.Coupling;
using Deisa.Core.Protocol;

namespace Deisa.Bench.Core;

/// <summary>
/// What steering costs a simulation rank per step: reading a value (<c>Bridge.TryGet</c>, <c>StopRequested</c>) is the
/// rank's steering inbox, a lock and a lookup. Goal: under 1 µs when nothing is pending (issue 14). Each operation
/// reads the next step, as a simulation loop does.
/// </summary>
[MemoryDiagnoser]
public class SteeringBenchmark
{
    private const int Reads = 1_000;
    private SteeringInbox _inbox = null!;
    private int _step;

    [GlobalSetup]
    public void Setup()
    {
        _inbox = new SteeringInbox("simulation rank 0", TimeSpan.FromMinutes(1));

        // One value set and decided at step 0: "dt" then holds at every step read, as a parameter changed once does.
        SteerProposal proposal = SteerProposal.Rent();
        proposal.ProposalId = 1;
        proposal.Name = "dt";
        proposal.Step = 0;
        proposal.Value = 0.5;
        _inbox.Vote(proposal);
        _inbox.Decide(1, commit: true);
    }

    /// <summary>A stop request that was never made: the loop's test at every step.</summary>
    [Benchmark(Baseline = true, OperationsPerInvoke = Reads)]
    public bool NothingSet()
    {
        bool stop = false;
        for (int i = 0; i < Reads; i++)
        {
            stop |= _inbox.TryGet(SteeringInbox.StopName, _step++, out _);
        }

        return stop;
    }

    /// <summary>A parameter set once and read at every later step.</summary>
    [Benchmark(OperationsPerInvoke = Reads)]
    public double ValueSet()
    {
        double sum = 0;
        for (int i = 0; i < Reads; i++)
        {
            if (_inbox.TryGet("dt", _step++, out object? value))
            {
                sum += (double)value!;
            }
        }

        return sum;
    }
}
