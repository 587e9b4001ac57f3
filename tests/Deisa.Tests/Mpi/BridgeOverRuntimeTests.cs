using Deisa.Core.Arrays;
using Deisa.Core.Client;
using Deisa.Mpi;
using Deisa.Mpi.Bridge;

namespace Deisa.Tests.Mpi;

/// <summary>The public way to put a simulation rank's bridge over an in-process runtime.</summary>
public sealed class BridgeOverRuntimeTests
{
    [Theory]
    [InlineData(CouplingMode.Deisa3, CouplingMode.Deisa1)]
    [InlineData(CouplingMode.Deisa1, CouplingMode.Deisa3)]
    public void Create_ModeDiffersFromTheRuntimes_RefusedNamingBoth(CouplingMode runtimeMode, CouplingMode bridgeMode)
    {
        using DeisaRuntime runtime = DeisaRuntime.StartInProcess(1, new RuntimeOptions { SimulationRanks = 1, Mode = runtimeMode });

        var error = Assert.Throws<ArgumentException>(() => Bridge.Create(runtime, new DeisaMpiOptions { Mode = bridgeMode }));

        Assert.Contains($"The bridge's coupling mode is {bridgeMode} but the runtime's is {runtimeMode}", error.Message, StringComparison.Ordinal);
    }
}
