using System.Threading.Channels;
using Deisa.Core.Buffers;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Tests.Transport;

/// <summary>The contract every transport passes; derive once per transport.</summary>
public abstract class TransportContractTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    protected abstract ITransport CreateTransport();

    [Fact]
    public async Task Send_OnePair_InOrder_WithSender()
    {
        await using ITransport transport = CreateTransport();
        using Mailbox a = transport.Open(EndpointId.Worker(0));
        using Mailbox b = transport.Open(EndpointId.Worker(1));

        for (int i = 0; i < 1000; i++)
        {
            a.Send(b.Id, Finished(i));
        }

        for (int i = 0; i < 1000; i++)
        {
            Message message = await b.Reader.ReadAsync().AsTask().WaitAsync(s_timeout);
            var finished = Assert.IsType<TaskFinished>(message);
            Assert.Equal(i, finished.Nbytes);
            Assert.Equal(a.Id, finished.From);
            message.Return();
        }
    }

    [Fact]
    public async Task Send_Batch_ArrivesInOrder()
    {
        await using ITransport transport = CreateTransport();
        using Mailbox a = transport.Open(EndpointId.Scheduler(0));
        using Mailbox b = transport.Open(EndpointId.Worker(0));

        a.Send(b.Id, [Finished(1), Finished(2), Finished(3)]);

        for (int i = 1; i <= 3; i++)
        {
            Message message = await b.Reader.ReadAsync().AsTask().WaitAsync(s_timeout);
            Assert.Equal(i, ((TaskFinished)message).Nbytes);
            message.Return();
        }
    }

    [Fact]
    public async Task Send_ManySenders_EachStreamInOrder()
    {
        await using ITransport transport = CreateTransport();
        using Mailbox target = transport.Open(EndpointId.Scheduler(0));
        Mailbox[] senders = Enumerable.Range(0, 4).Select(i => transport.Open(EndpointId.Worker(i))).ToArray();
        const int PerSender = 500;

        await Task.WhenAll(senders.Select(s => Task.Run(() =>
        {
            for (int i = 0; i < PerSender; i++)
            {
                s.Send(target.Id, Finished(i));
            }
        })));

        var next = new Dictionary<EndpointId, long>();
        for (int i = 0; i < senders.Length * PerSender; i++)
        {
            Message message = await target.Reader.ReadAsync().AsTask().WaitAsync(s_timeout);
            long expected = next.GetValueOrDefault(message.From);
            Assert.Equal(expected, ((TaskFinished)message).Nbytes);
            next[message.From] = expected + 1;
            message.Return();
        }

        foreach (Mailbox sender in senders)
        {
            sender.Dispose();
        }
    }

    [Fact]
    public async Task Send_ToUnknownEndpoint_ThrowsNamingIt()
    {
        await using ITransport transport = CreateTransport();
        using Mailbox a = transport.Open(EndpointId.Worker(0));

        ArgumentException error = Assert.Throws<ArgumentException>(() => a.Send(EndpointId.Worker(42), Finished(0)));

        Assert.Contains("worker@42", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_Twice_Throws()
    {
        await using ITransport transport = CreateTransport();
        using Mailbox a = transport.Open(EndpointId.Worker(0));

        Assert.Throws<ArgumentException>(() => transport.Open(EndpointId.Worker(0)));
    }

    [Fact]
    public async Task Send_ToClosedEndpoint_DroppedAndValuesReleased()
    {
        await using ITransport transport = CreateTransport();
        using Mailbox a = transport.Open(EndpointId.Producer(0));
        Mailbox b = transport.Open(EndpointId.Worker(0));
        b.Dispose();
        var value = PooledArray<double>.CopyFrom([1, 2]);
        PutExternal put = PutExternal.Rent();
        put.Key = "k";
        put.Value = value;

        a.Send(b.Id, put);

        Assert.Throws<ObjectDisposedException>(() => value.Span.Length);
    }

    [Fact]
    public async Task Send_PooledValue_ArrivesIntact_OneHolder()
    {
        await using ITransport transport = CreateTransport();
        using Mailbox a = transport.Open(EndpointId.Producer(0));
        using Mailbox b = transport.Open(EndpointId.Worker(0));
        var value = PooledArray<double>.CopyFrom([1.5, 2.5, 3.5]);
        PutExternal put = PutExternal.Rent();
        put.Key = "k";
        put.Value = value;

        a.Send(b.Id, put);
        var received = (PutExternal)await b.Reader.ReadAsync().AsTask().WaitAsync(s_timeout);
        var arrived = Assert.IsType<PooledArray<double>>(received.Value);
        received.Value = null;
        received.Return();

        Assert.Equal([1.5, 2.5, 3.5], arrived.ToArray());
        arrived.Release();
        Assert.Throws<ObjectDisposedException>(() => arrived.Span.Length);
    }

    [Fact]
    public async Task Dispose_CompletesReaders()
    {
        ITransport transport = CreateTransport();
        Mailbox a = transport.Open(EndpointId.Worker(0));
        ValueTask<bool> waiting = a.Reader.WaitToReadAsync();

        await transport.DisposeAsync();

        Assert.False(await waiting.AsTask().WaitAsync(s_timeout));
        await Assert.ThrowsAsync<ChannelClosedException>(() => a.Reader.ReadAsync().AsTask());
    }

    private static TaskFinished Finished(long n)
    {
        TaskFinished message = TaskFinished.Rent();
        message.Key = ("k", (int)n);
        message.Nbytes = n;
        return message;
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
