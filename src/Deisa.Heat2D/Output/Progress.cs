using System.Diagnostics;
using System.Globalization;

namespace Deisa.Heat2D.Output;

/// <summary>Steps done, rate and time left, on one line of the terminal, a few times a second; silent when disabled.</summary>
internal sealed class Progress(int steps, bool enabled, TextWriter terminal)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastShown = TimeSpan.MinValue;

    /// <summary>Whether to show progress: asked for, or standard error is a terminal.</summary>
    public static bool Wanted(bool? asked) => asked ?? !Console.IsErrorRedirected;

    public void StepDone(int step)
    {
        if (!enabled)
        {
            return;
        }

        TimeSpan now = _clock.Elapsed;
        int done = step + 1;
        if (done < steps && now - _lastShown < TimeSpan.FromMilliseconds(250))
        {
            return;
        }

        _lastShown = now;
        double rate = done / Math.Max(now.TotalSeconds, 1e-9);
        double left = (steps - done) / rate;
        terminal.Write(string.Create(CultureInfo.InvariantCulture, $"\rstep {done}/{steps}  {rate:F1} steps/s  ETA {left:F0} s   "));
        if (done == steps)
        {
            terminal.WriteLine();
        }

        terminal.Flush();
    }
}
