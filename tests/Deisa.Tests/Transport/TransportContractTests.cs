using System.Threading.Channels;
using Deisa.Core.Transport;
using Deisa.Testing;

namespace Deisa.Tests.Transport;

/// <summary>
/// The transport contract (<see cref="TransportContract"/>, shared with the MPI run in <c>MpiTransportContractTests</c>),
/// in one process: two producers send, one endpoint receives; derive once per transport.
/// </summary>
public abstract class TransportContractTests
{
    private const int Senders = 2;

    /// <summary>Gets the names of the contract's cases.</summary>
    public static TheoryData<string> Cases => [.. TransportContract.Cases.Select(c => c.Name)];

    protected abstract ITransport CreateTransport();

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Contract_Holds(string name)
    {
        ContractCase contract = TransportContract.Named(name);
        await using ITransport transport = CreateTransport();
        Mailbox[] senders = [.. Enumerable.Range(0, Senders).Select(rank => transport.Open(EndpointId.Producer(rank)))];
        var target = new EndpointId(0, contract.ReceiverKind);
        using Mailbox receiving = transport.Open(target);
        var receiver = new ContractReceiver(receiving, [.. senders.Select(s => s.Id)], () => transport.Open(target));

        ContractSender[] sending = [.. senders.Select(s => new ContractSender(s, target, EndpointId.Worker(42)))];

        contract.Prepare?.Invoke(receiver);
        await Task.WhenAll(sending.Select(s => Task.Run(() => contract.Send(s))));
        contract.Check(receiver);
        foreach (ContractSender sender in sending)
        {
            contract.After?.Invoke(sender);
        }

        foreach (Mailbox sender in senders)
        {
            sender.Dispose();
        }
    }

    [Fact]
    public async Task Contract_DisposeEndsWaits()
    {
        ITransport transport = CreateTransport();
        Mailbox open = transport.Open(EndpointId.Worker(0));
        Task<bool> waiting = TransportContract.WaitForMore(open);

        await transport.DisposeAsync();

        TransportContract.CheckDisposeEndsWait(open, waiting);
        await Assert.ThrowsAsync<ChannelClosedException>(() => open.Reader.ReadAsync().AsTask());
    }
}

public sealed class InProcessTransportContractTests : TransportContractTests
{
    protected override ITransport CreateTransport() => new InProcessTransport();
}

public sealed class SerializedInProcessTransportContractTests : TransportContractTests
{
    protected override ITransport CreateTransport() =>
        new InProcessTransport(new InProcessTransportOptions { Serialize = true }, TestOperations.Registry);
}
