namespace Deisa.Heat2D.Analytics;

/// <summary>The part of the field the analytics read: every <see cref="Every"/>-th step of a window of rows and columns.</summary>
/// <param name="Every">The stride over steps.</param>
/// <param name="Rows">The rows (X) read.</param>
/// <param name="Cols">The columns (Y) read.</param>
public sealed record Selection(int Every, Range Rows, Range Cols)
{
    /// <summary>Gets the whole field, every step.</summary>
    public static Selection All { get; } = new(1, .., ..);
}
