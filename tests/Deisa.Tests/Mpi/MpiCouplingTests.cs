namespace Deisa.Tests.Mpi;

/// <summary>Real ranks under mpiexec.mpich: simulation ranks publish, analytics ranks compute, named by shape.</summary>
[Collection(MpiCollection.Name)]
public sealed class MpiCouplingTests
{
    [Fact]
    public void Sim1_Analytics1_EveryBlockEveryStep_TotalsMatch()
    {
        MpiResult result = MpiJob.Run(2, "coupling", "--grid", "1x1", "--steps", "5");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(6);
        Assert.Equal(5, result.Stat(0, "shipped"));
        Assert.Equal(0, result.Stat(0, "skipped"));
    }

    [Fact]
    public void Sim2_Analytics1_ContractGrowsAndShrinksWhileRunning_ShipsExactlyWhatIsAskedLateStepsNamed()
    {
        // Steps 0-3 asked first; 16-19 asked once 0-3 are in; 20-23 asked and released at once; 0-1 asked too late. The
        // simulation waits for its first contract, so a slow start of the analytics cannot use up the 1.6 s they have to
        // ask for step 16.
        MpiResult result = MpiJob.Run(3, "coupling", "--grid", "2x1", "--size", "6x5", "--steps", "24", "--step-delay", "100", "--changes", "--wait-contract");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(9);
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal(8, result.Stat(rank, "shipped"));
            Assert.Equal(16, result.Stat(rank, "skipped"));

            // The simulation learns each change from the scheduler; it sends metadata once and finish once, nothing per
            // step or per change.
            Assert.Equal(2, result.Stat(rank, "scheduler_messages"));
        }
    }

    [Fact]
    public void Sim2_Analytics1_GhostCellsUnequalBlocks_TotalsMatch()
    {
        MpiResult result = MpiJob.Run(3, "coupling", "--grid", "2x1", "--size", "13x7", "--steps", "4");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(5);
        long rows0 = 7, rows1 = 6, columns = 7;
        Assert.Equal(4 * rows0 * columns * sizeof(double), result.Stat(0, "bytes"));
        Assert.Equal(4 * rows1 * columns * sizeof(double), result.Stat(1, "bytes"));
    }

    [Fact]
    public void Sim2_Analytics2_ContractSelectsPartOfTheBlocks_OnlyThoseShipped()
    {
        // The analytics read block (0, 0) every third step of ten: steps 0, 3, 6, 9.
        MpiResult result = MpiJob.Run(4, "coupling", "--grid", "1x2", "--size", "6x10", "--steps", "10", "--every", "3", "--blocks", "first", "--analytics", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(5);
        Assert.Equal(4, result.Stat(0, "shipped"));
        Assert.Equal(6, result.Stat(0, "skipped"));
        Assert.Equal(4 * 6 * 5 * sizeof(double), result.Stat(0, "bytes"));
        Assert.Equal(0, result.Stat(1, "shipped"));
        Assert.Equal(10, result.Stat(1, "skipped"));
        Assert.Contains("CONTRACT blocks=4", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Sim2_Analytics2_TwoWorkers_BlocksSpreadAndTotalsFetchAcrossWorkers()
    {
        // A worker on each analytics rank: the two blocks go to different workers, so every total reads one block
        // sum from the other worker, peer to peer.
        MpiResult result = MpiJob.Run(4, "coupling", "--grid", "1x2", "--size", "8x12", "--steps", "5", "--analytics", "2", "--worker-on-root");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(6);
        Assert.NotEqual(result.Stats(0)["worker"], result.Stats(1)["worker"]);
    }

    [Fact]
    public void Sim4_Analytics2_GridOfBlocks_NoPerStepMessagesToScheduler()
    {
        MpiResult result = MpiJob.Run(6, "coupling", "--grid", "2x2", "--size", "9x11", "--steps", "6", "--analytics", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(7);
        for (int rank = 0; rank < 4; rank++)
        {
            // Metadata once, finish once: nothing per step.
            Assert.Equal(2, result.Stat(rank, "scheduler_messages"));
            Assert.Equal(6, result.Stat(rank, "shipped"));
        }
    }

    [Fact]
    public void Sim2_Analytics1_SimulationFinishesEarly_MissingStepsErrNamingThem()
    {
        MpiResult result = MpiJob.Run(3, "coupling", "--grid", "2x1", "--steps", "6", "--finish-early", "4");

        Assert.Equal(3, result.ExitCode);
        result.AssertChecksPass(5);
        string[] erred = result.Lines("ERRED").ToArray();
        Assert.Equal(2, erred.Length);
        Assert.Contains("step 4", erred[0], StringComparison.Ordinal);
        Assert.Contains("finished without producing it", erred[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Sim2_Analytics1_SimulationSkipsAStep_OnlyThatStepErrsNamingIt()
    {
        // Rank 0 publishes steps 0, 1, 3, 4: step 2 errs as soon as step 3 is published, and nothing else does.
        MpiResult result = MpiJob.Run(3, "coupling", "--grid", "2x1", "--steps", "5", "--skip-step", "2");

        Assert.Equal(3, result.ExitCode);
        result.AssertChecksPass(5);
        string erred = Assert.Single(result.Lines("ERRED"));
        Assert.StartsWith("ERRED ('total', 2)", erred, StringComparison.Ordinal);
        Assert.Contains("('global_t', 2, 0, 0)", erred, StringComparison.Ordinal);
        Assert.Contains("simulation rank 0 published step 3 of 'global_t' without it", erred, StringComparison.Ordinal);
        Assert.Equal(4, result.Stat(0, "shipped"));
        Assert.Equal(5, result.Stat(1, "shipped"));
    }

    [Fact]
    public void Sim2_Analytics1_AnalyticsThrow_SimulationStopsShippingAndEnds_ExitCodeNonZero()
    {
        // The analytics throw as soon as the contract is out, and the simulation then takes 20 x 50 ms, far longer than
        // the revocation needs to reach it. It waits for the contract first: staged before it, all 20 steps could be
        // shipped before the revocation when the analytics start slowly on loaded cores (seen in CI).
        MpiResult result = MpiJob.Run(3, "coupling", "--grid", "2x1", "--steps", "20", "--step-delay", "50", "--fail", "--wait-contract");

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Stderr.Contains("analytics failed", StringComparison.Ordinal), result.ToString());
        Assert.True(result.Stderr.Contains("the analytics fail on purpose", StringComparison.Ordinal), result.ToString());
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal("True", result.Stats(rank)["revoked"]);
            Assert.True(result.Stat(rank, "skipped") > 0, result.ToString());
            Assert.Equal(20, result.Stat(rank, "shipped") + result.Stat(rank, "skipped"));
        }
    }

    [Fact]
    public void Sim2_Analytics1_AnalyticsEndWithoutContract_SimulationRunsToItsEnd_NothingShipped()
    {
        MpiResult result = MpiJob.Run(3, "coupling", "--grid", "2x1", "--steps", "5", "--blocks", "none");

        Assert.True(result.ExitCode == 0, result.ToString());
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal(0, result.Stat(rank, "shipped"));
            Assert.Equal(5, result.Stat(rank, "skipped"));
            Assert.Equal("True", result.Stats(rank)["revoked"]);
        }
    }

    [Fact]
    public void Sim2_Analytics1_AnalyticsSlowToSetUp_FirstStepsStagedThenShippedWithTheirOwnValues()
    {
        // The simulation overwrites its field every step without waiting: the steps published before the contract go
        // from copies, and the analytics' sums (checked against the formula that fills the field) show whose values.
        MpiResult result = MpiJob.Run(3, "coupling", "--grid", "2x1", "--steps", "10", "--every", "2", "--analytics-delay", "1500");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(6);
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal(5, result.Stat(rank, "shipped"));
            Assert.Equal(5, result.Stat(rank, "skipped"));
            Assert.True(result.Stat(rank, "staged") >= 1, result.ToString());
        }
    }

    [Fact]
    public void Sim1_Analytics1_ContractLate_PublishTimesOutWithClearError_JobEnds()
    {
        MpiResult result = MpiJob.Run(2, "coupling", "--steps", "3", "--contract-timeout", "1", "--analytics-delay", "5000");

        Assert.NotEqual(0, result.ExitCode);
        Assert.True(result.Stderr.Contains("waited 1 s for its contract", StringComparison.Ordinal), result.ToString());
        Assert.True(result.Stderr.Contains("ValidateContract", StringComparison.Ordinal), result.ToString());

        // The rank told the analytics it finished with nothing shipped: what they asked of it fails at once, named,
        // instead of after their own timeouts (the job took 2 minutes 20 seconds before).
        Assert.True(result.Stdout.Contains("will never arrive: simulation rank 0 finished before the contract was validated", StringComparison.Ordinal), result.ToString());
    }

    [Fact]
    public void Sim2_Analytics1_Deisa1Mode_PerStepMetadataAndEveryBlock_TotalsMatch()
    {
        MpiResult result = MpiJob.Run(3, "coupling", "--mode", "deisa1", "--grid", "1x2", "--steps", "5");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(5);
        for (int rank = 0; rank < 2; rank++)
        {
            Assert.Equal(5, result.Stat(rank, "shipped"));

            // Declarations, one metadata message per block per step, finish.
            Assert.Equal(1 + 5 + 1, result.Stat(rank, "scheduler_messages"));
        }
    }

    [Theory]
    [InlineData("slice")]
    [InlineData("elementwise")]
    [InlineData("reduce")]
    [InlineData("diff")]
    [InlineData("concat")]
    public void Sim4_Analytics2_ArrayOperationFamily_MatchesTheFormula(string family)
    {
        MpiResult result = MpiJob.Run(6, "arrays", "--family", family, "--grid", "2x2", "--analytics", "2", "--worker-on-root");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(1);
    }

    [Fact]
    public void Sim4_Analytics2_OpenEndedRun_StepsDecidedAtRunTime_MeanOverTimeAtFinish()
    {
        // Simulation rank 0 draws the number of steps; the analytics only learn it when every rank finished.
        MpiResult result = MpiJob.Run(6, "open", "--grid", "2x2", "--analytics", "2", "--worker-on-root");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(5);
        long[] published = [.. result.Lines("RUN").Select(l => long.Parse(l.Split("steps=")[1], System.Globalization.CultureInfo.InvariantCulture)).Distinct()];
        long seen = long.Parse(result.Lines("OPEN").Single().Split("steps=")[1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(4, result.Lines("RUN").Count());
        Assert.Equal(seen, Assert.Single(published));
    }

    [Fact]
    public void Sim2_Analytics3_IncrementalPca_ChainMatchesDense_TreeMatchesChain()
    {
        // Three analytics ranks: the states and the chunks of each step cross processes between the workers.
        MpiResult result = MpiJob.Run(5, "ipca", "--grid", "2x1", "--analytics", "3");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(2);
    }

    [Fact]
    public void IncrementalPca_WorkerRankWithoutDeisaMl_AbortsNamingTheOperation()
    {
        // World ranks 3 and 4, the analytics workers, did not call DeisaMl.Register: the job must end, not hang.
        MpiResult result = MpiJob.Run(5, "ipca", "--grid", "2x1", "--analytics", "3", "--skip-ml-register", "3,4");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("deisa.ml.ipca", result.Stdout + result.Stderr, StringComparison.Ordinal);
        Assert.Contains("not registered on this rank", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(2, 1, "publisher")]
    [InlineData(3, 1, "publisher")]
    [InlineData(4, 2, "publisher")]
    [InlineData(3, 1, "thread")]
    public void Transport_AcrossRanks_PassesTheContractChecks(int ranks, int analytics, string postBlocks)
    {
        MpiResult result = MpiJob.Run(ranks, "transport", "--analytics", analytics.ToString(System.Globalization.CultureInfo.InvariantCulture), "--post-blocks", postBlocks);

        Assert.True(result.ExitCode == 0, result.ToString());
        int simulation = ranks - analytics;
        result.AssertChecksPass(2 + (6 * simulation));
    }

    [Theory]
    [InlineData("13")]
    [InlineData("0")]
    public void Sim2_Analytics1_SimulationRankDiesMidRun_JobEndsWithAFailureNotAHang(string exitCode)
    {
        // Rank 0 ends its process at step 5 without finalising MPI (with an error code, or with 0 as a careless
        // exit would): the launcher must take the whole job down; MpiJob fails the test if it hangs.
        MpiResult result = MpiJob.Run(3, "coupling", "--grid", "2x1", "--steps", "20", "--step-delay", "20", "--die-at", "5", "--die-code", exitCode);

        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains("simulation rank 0 dies at step 5", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("STATS rank=0", result.Stdout, StringComparison.Ordinal);
        if (exitCode == "0")
        {
            // The launcher may see a clean exit: the session's exit hook aborts the job, saying why.
            Assert.Matches("without disposing its DeisaSession|BAD TERMINATION", result.Stdout + result.Stderr);
        }
    }

    [Fact]
    public void Sim3_Analytics1_Steering_EveryRankTakesTheValueAndStopsAtTheSameStep()
    {
        // Three ranks on a 1x3 grid read a scale factor and a stop request every step; the per-step sums over all of
        // them show the step each took the scale at, and the run's length the step they stopped at.
        MpiResult result = MpiJob.Run(4, "steering", "--grid", "1x3", "--step-delay", "10", "--in-flight", "4");

        Assert.True(result.ExitCode == 0, result.ToString());
        result.AssertChecksPass(4);
        string steered = result.Lines("STEERED").Single();
        string scaleAt = steered.Split("scale_at=")[1].Split(' ')[0];
        string stopAt = steered.Split("stop_at=")[1].Split(' ')[0];
        string[] ranks = [.. result.Lines("SIM")];
        Assert.Equal(3, ranks.Length);
        Assert.All(ranks, line => Assert.Contains($"scaled_from={scaleAt} stopped_at={stopAt}", line, StringComparison.Ordinal));
    }
}
