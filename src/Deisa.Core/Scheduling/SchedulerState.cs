using System.Runtime.InteropServices;
using System.Text;
using Deisa.Core.Graph;
using Deisa.Core.Protocol;
using Deisa.Core.Transport;

namespace Deisa.Core.Scheduling;

/// <summary>
/// The scheduler as a pure state machine: messages in, messages out, no threads, no I/O, no clock.
/// </summary>
/// <remarks>
/// <para><see cref="Handle"/> applies one incoming message: it changes task states through the transition table
/// (<see cref="TaskStatus"/> pairs, one private method each) and appends what must be sent to <see cref="Outbox"/>.
/// A host drains the outbox into a transport. Each handled message is a stimulus; every transition is logged in a
/// bounded ring that <see cref="Story"/> reads.</para>
/// <para>Not thread-safe: one host thread owns it.</para>
/// </remarks>
public sealed partial class SchedulerState
{
    private readonly Dictionary<TaskKey, SchedulerTask> _tasks = [];
    private readonly EndpointId _client;
    private readonly EndpointId[] _workers;
    private readonly Dictionary<EndpointId, int> _workerIndex = [];
    private readonly int[] _processingCount;
    private readonly long[] _dependencyBytes;
    private readonly FreeKeys?[] _pendingFree;
    private readonly List<OutgoingMessage> _outbox = [];
    private readonly Queue<Recommendation> _recommendations = new();
    private readonly TransitionLog _log;
    private readonly Action<SchedulerTask>?[,] _table;
    private StimulusId _stimulus;
    private long _eventCount;
    private long _priorityCounter;
    private int _nextRootWorker;

    /// <summary>Creates a scheduler.</summary>
    /// <param name="client">The client's endpoint, where key notifications go.</param>
    /// <param name="workers">The workers' endpoints; a worker's position in this list is its index.</param>
    /// <param name="options">Settings; defaults when null.</param>
    /// <exception cref="ArgumentException">No worker, or a worker listed twice.</exception>
    public SchedulerState(EndpointId client, IReadOnlyList<EndpointId> workers, SchedulerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(workers);
        if (workers.Count == 0)
        {
            throw new ArgumentException("A scheduler needs at least one worker.", nameof(workers));
        }

        options ??= new SchedulerOptions();
        _client = client;
        _workers = workers.ToArray();
        for (int i = 0; i < _workers.Length; i++)
        {
            if (!_workerIndex.TryAdd(_workers[i], i))
            {
                throw new ArgumentException($"The worker {_workers[i]} is listed twice.", nameof(workers));
            }
        }

        _processingCount = new int[_workers.Length];
        _dependencyBytes = new long[_workers.Length];
        _pendingFree = new FreeKeys?[_workers.Length];
        _log = new TransitionLog(options.StoryCapacity);
        _table = BuildTransitionTable();
        _producers = options.Producers.ToArray();
        _isProducer = [.. _producers];
        _mode = options.Mode;
    }

    /// <summary>Gets the messages to send, in order; the host sends them and then calls <see cref="ClearOutbox"/>.</summary>
    public ReadOnlySpan<OutgoingMessage> Outbox => CollectionsMarshal.AsSpan(_outbox);

    /// <summary>Gets the number of keys the scheduler knows.</summary>
    public int TaskCount => _tasks.Count;

    /// <summary>Gets the number of transitions made since creation.</summary>
    public long TransitionCount => _log.Count;

    /// <summary>Gets the number of messages handled since creation.</summary>
    public long EventCount => _eventCount;

    /// <summary>Gets the number of workers.</summary>
    public int WorkerCount => _workers.Length;

    /// <summary>Gets the number of puts refused that asked for no acknowledgement.</summary>
    public long UnacknowledgedRejections { get; private set; }

    /// <summary>Gets the number of blocks producers dropped (backpressure with the Drop policy).</summary>
    public long DroppedBlocks { get; private set; }

    /// <summary>Forgets the outbox after the host has sent its messages.</summary>
    public void ClearOutbox() => _outbox.Clear();

    /// <summary>Gets the state of a key, or <see cref="TaskStatus.Forgotten"/> if the scheduler does not know it.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The state.</returns>
    public TaskStatus GetStatus(TaskKey key) => _tasks.TryGetValue(key, out SchedulerTask? task) ? task.Status : TaskStatus.Forgotten;

    /// <summary>Gets the number of tasks in each state.</summary>
    /// <returns>Counts indexed by <see cref="TaskStatus"/>.</returns>
    public int[] CountByStatus()
    {
        int[] counts = new int[Enum.GetValues<TaskStatus>().Length];
        foreach (SchedulerTask task in _tasks.Values)
        {
            counts[(int)task.Status]++;
        }

        return counts;
    }

    /// <summary>Gets the worker index holding a key's value, or -1.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The index.</returns>
    public int GetHolder(TaskKey key) => _tasks.TryGetValue(key, out SchedulerTask? task) ? task.Holder : -1;

    /// <summary>Gets the recent transitions of a key, oldest first, as far back as the ring reaches.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The transitions.</returns>
    public IReadOnlyList<TransitionRecord> Story(TaskKey key) => _log.Story(key);

    /// <summary>Formats <see cref="Story"/> one transition per line.</summary>
    /// <param name="key">The key.</param>
    /// <returns>The story, or a line saying none is recorded.</returns>
    public string FormatStory(TaskKey key)
    {
        List<TransitionRecord> story = _log.Story(key);
        if (story.Count == 0)
        {
            return $"(no transitions of {key} are recorded)";
        }

        var text = new StringBuilder();
        foreach (TransitionRecord record in story)
        {
            text.AppendLine(record.ToString());
        }

        return text.ToString();
    }

    /// <summary>Applies one incoming message.</summary>
    /// <param name="message">The message; the caller still owns it and returns it afterwards. It is not kept.</param>
    /// <exception cref="Errors.InvalidTransitionException">A transition missing from the table was needed: a bug in Deisa.</exception>
    /// <exception cref="ArgumentException">The message came from an unknown worker or is not for the scheduler.</exception>
    public void Handle(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _stimulus = new StimulusId(message.Kind, ++_eventCount);
        switch (message)
        {
            case UpdateGraph m:
                HandleUpdateGraph(m);
                break;
            case CreateExternal m:
                HandleCreateExternal(m);
                break;
            case ReleaseKeys m:
                HandleReleaseKeys(m);
                break;
            case FailExternal m:
                HandleFailExternal(m);
                break;
            case QueryStory m:
                HandleQueryStory(m);
                break;
            case TaskFinished m:
                HandleTaskFinished(m);
                break;
            case TaskErred m:
                HandleTaskErred(m);
                break;
            case ExternalArrived m:
                HandleExternalArrived(m);
                break;
            case DeclareArrays m:
                HandleDeclareArrays(m);
                break;
            case GetArrays m:
                HandleGetArrays(m);
                break;
            case ValidateContract m:
                HandleValidateContract(m);
                break;
            case RevokeContract m:
                HandleRevokeContract(m);
                break;
            case ProducerFinished m:
                HandleProducerFinished(m);
                break;
            case BlockMetadata m:
                HandleBlockMetadata(m);
                break;
            case DropExternal m:
                HandleDropExternal(m);
                break;
            case DeclareInterest m:
                HandleDeclareInterest(m);
                break;
            case WithdrawInterest m:
                HandleWithdrawInterest(m);
                break;
            case SteerRequest m:
                HandleSteerRequest(m);
                break;
            case SteerVote m:
                HandleSteerVote(m);
                break;
            default:
                throw new ArgumentException($"The scheduler does not handle {message.Kind} messages (from {message.From}).", nameof(message));
        }

        RunRecommendations();
        ReleaseHolds();
        FlushFreeKeys();
    }

    private int WorkerIndexOf(EndpointId endpoint) => _workerIndex.TryGetValue(endpoint, out int index)
        ? index
        : throw new ArgumentException($"A message came from {endpoint}, which is not one of the scheduler's workers.", nameof(endpoint));

    private void Send(EndpointId to, Message message) => _outbox.Add(new OutgoingMessage(to, message));

    private void ReplyToClient(long requestId, Exception? error)
    {
        RequestReply reply = RequestReply.Rent();
        reply.RequestId = requestId;
        reply.Error = error is null ? null : ErrorInfo.From(error);
        Send(_client, reply);
    }

    private void QueueFree(int worker, TaskKey key)
    {
        FreeKeys free = _pendingFree[worker] ??= FreeKeys.Rent();
        free.Keys.Add(key);
    }

    private void FlushFreeKeys()
    {
        for (int i = 0; i < _pendingFree.Length; i++)
        {
            if (_pendingFree[i] is { } free)
            {
                Send(_workers[i], free);
                _pendingFree[i] = null;
            }
        }
    }

    private readonly record struct Recommendation(SchedulerTask Task, TaskStatus ExpectedFrom, TaskStatus To);
}
