using System.Threading.Tasks;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Core.Scheduling;

/// <summary>Runs a <see cref="SchedulerState"/>: reads its mailbox, applies each message, sends what it emits.</summary>
internal sealed class SchedulerHost : IAsyncDisposable
{
    private readonly SchedulerState _state;
    private readonly Mailbox _mailbox;
    private readonly bool _validate;
    private readonly TaskCompletionSource _producersFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly long[] _messagesFrom = new long[4];
    private readonly MailboxThread _loop;

    public SchedulerHost(Mailbox mailbox, SchedulerState state, bool validate, Action<Exception> onFault)
    {
        _mailbox = mailbox;
        _state = state;
        _validate = validate;
        _loop = new MailboxThread(mailbox.Reader, $"deisa-scheduler-{mailbox.Id.Rank}", Handle, onFault);
    }

    /// <summary>Gets the scheduler's mailbox, to send as the scheduler (the runtime's shutdown notices).</summary>
    public Mailbox Mailbox => _mailbox;

    /// <summary>Gets the state; safe to read once <see cref="StopAsync"/> has returned.</summary>
    public SchedulerState State => _state;

    /// <summary>Gets how many messages reached the scheduler from endpoints of a role (producers, workers, the client).</summary>
    /// <param name="kind">The sender's role.</param>
    /// <returns>The count.</returns>
    public long MessagesFrom(EndpointKind kind) => Interlocked.Read(ref _messagesFrom[(int)kind]);

    /// <summary>Gets the bytes the message loop's thread had allocated when it last emptied the mailbox.</summary>
    public long LoopAllocatedBytes => _loop.AllocatedBytes;

    /// <summary>Gets a task that completes when every producer has said it finished (at once if there are none).</summary>
    public Task ProducersFinished => _producersFinished.Task;

    public void Start()
    {
        CheckProducers();
        _loop.Start();
    }

    /// <summary>Stops the loop after the messages already queued, and waits for it.</summary>
    public Task StopAsync()
    {
        _mailbox.Send(_mailbox.Id, Close.Rent());
        return _loop.Completion;
    }

    public async ValueTask DisposeAsync()
    {
        _mailbox.Dispose();
        await _loop.Completion.ConfigureAwait(false);
    }

    private bool Handle(Message message)
    {
        if (message is Close)
        {
            return false;
        }

        Interlocked.Increment(ref _messagesFrom[(int)message.From.Kind]);
        try
        {
            _state.Handle(message);
            if (_validate)
            {
                _state.Validate();
            }

            CheckProducers();
        }
        finally
        {
            Flush();
        }

        return true;
    }

    private void CheckProducers()
    {
        if (_state.FinishedProducers.Count == _state.ProducerCount)
        {
            _producersFinished.TrySetResult();
        }
    }

    private void Flush()
    {
        foreach (OutgoingMessage outgoing in _state.Outbox)
        {
            _mailbox.Send(outgoing.To, outgoing.Message);
        }

        _state.ClearOutbox();
    }
}
