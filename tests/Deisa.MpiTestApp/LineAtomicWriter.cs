using System.Text;

namespace Deisa.MpiTestApp;

/// <summary>
/// Standard output a whole line per write: mpiexec passes the ranks' output on as it comes, and a long line the
/// console wrote in pieces was once cut by another rank's (a test then read "… shared with 1 other CORES rank=2 …").
/// A pipe takes a write of up to 4,096 bytes whole.
/// </summary>
internal sealed class LineAtomicWriter(Stream output) : TextWriter
{
    private readonly StringBuilder _pending = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding { get; } = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);

    public override void Write(char value)
    {
        lock (_lock)
        {
            _pending.Append(value);
            WriteCompleteLines();
        }
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_lock)
        {
            _pending.Append(buffer, index, count);
            WriteCompleteLines();
        }
    }

    public override void Write(string? value)
    {
        lock (_lock)
        {
            _pending.Append(value);
            WriteCompleteLines();
        }
    }

    public override void Flush()
    {
        lock (_lock)
        {
            WriteUpTo(_pending.Length);
            output.Flush();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Flush();
        }

        base.Dispose(disposing);
    }

    private void WriteCompleteLines()
    {
        for (int i = _pending.Length - 1; i >= 0; i--)
        {
            if (_pending[i] == '\n')
            {
                WriteUpTo(i + 1);
                output.Flush();
                return;
            }
        }
    }

    private void WriteUpTo(int length)
    {
        if (length == 0)
        {
            return;
        }

        byte[] bytes = Encoding.GetBytes(_pending.ToString(0, length));
        output.Write(bytes, 0, bytes.Length);
        _pending.Remove(0, length);
    }
}
