using Deisa.Core.Graph;

namespace Deisa.Core.Scheduling;

/// <summary>A bounded ring of the most recent transitions, from which a key's story is read.</summary>
internal sealed class TransitionLog
{
    private readonly TransitionRecord[] _ring;
    private long _count;

    public TransitionLog(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        _ring = new TransitionRecord[capacity];
    }

    public long Count => _count;

    public void Add(TaskKey key, TaskStatus from, TaskStatus to, StimulusId stimulus, int worker)
    {
        long index = ++_count;
        _ring[(int)(index % _ring.Length)] = new TransitionRecord(index, key, from, to, stimulus, worker);
    }

    public List<TransitionRecord> Story(TaskKey key)
    {
        var story = new List<TransitionRecord>();
        long first = Math.Max(1, _count - _ring.Length + 1);
        for (long i = first; i <= _count; i++)
        {
            TransitionRecord record = _ring[(int)(i % _ring.Length)];
            if (record.Key == key)
            {
                story.Add(record);
            }
        }

        return story;
    }
}
