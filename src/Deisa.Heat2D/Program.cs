namespace Deisa.Heat2D;

/// <summary>Entry point of the 2D heat mini-app.</summary>
public static class Program
{
    /// <summary>Runs the in-process demo: a small heat simulation whose field is analysed in transit.</summary>
    /// <param name="args">Not used yet; the YAML configuration arrives with the full mini-app.</param>
    /// <returns>0 on success, 1 when the analytics failed.</returns>
    public static int Main(string[] args)
    {
        if (args.Length > 0)
        {
            Console.Error.WriteLine($"error: this in-process demo takes no arguments (got '{string.Join(' ', args)}').");
            return 2;
        }

        return InProcessDemo.Run(new DemoSettings(), Console.Out);
    }
}
