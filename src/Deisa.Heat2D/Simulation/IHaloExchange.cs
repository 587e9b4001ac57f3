namespace Deisa.Heat2D.Simulation;

/// <summary>Fills a block's ghost rows and columns from its neighbours' interiors before an iteration.</summary>
internal interface IHaloExchange
{
    /// <summary>Exchanges the halos of <paramref name="block"/>'s current buffer; every rank calls it once per iteration.</summary>
    void Exchange(HeatBlock block);
}
