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
    private readonly Action<Exception> _onFault;
    private readonly TaskCompletionSource _producersFinished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _loop;

    public SchedulerHost(Mailbox mailbox, SchedulerState state, bool validate, Action<Exception> onFault)
    {
        _mailbox = mailbox;
        _state = state;
        _validate = validate;
        _onFault = onFault;
    }

    /// <summary>Gets the scheduler's mailbox, to send as the scheduler (the runtime's shutdown notices).</summary>
    public Mailbox Mailbox => _mailbox;

    /// <summary>Gets the state; safe to read once <see cref="StopAsync"/> has returned.</summary>
    public SchedulerState State => _state;

    /// <summary>Gets a task that completes when every producer has said it finished (at once if there are none).</summary>
    public Task ProducersFinished => _producersFinished.Task;

    public void Start()
    {
        CheckProducers();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Stops the loop after the messages already queued, and waits for it.</summary>
    public async Task StopAsync()
    {
        _mailbox.Send(_mailbox.Id, Close.Rent());
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _mailbox.Dispose();
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (await _mailbox.Reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (_mailbox.Reader.TryRead(out Message? message))
                {
                    try
                    {
                        if (message is Close)
                        {
                            return;
                        }

                        _state.Handle(message);
                        if (_validate)
                        {
                            _state.Validate();
                        }

                        CheckProducers();
                    }
                    finally
                    {
                        message.Return();
                        Flush();
                    }
                }
            }
        }
        catch (Exception e)
        {
            _onFault(e);
        }
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
