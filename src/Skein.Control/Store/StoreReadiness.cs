namespace Skein.Control.Store;

/// <summary>Completes once the store holds its first full load, so nothing is served from an empty store.</summary>
public sealed class StoreReadiness
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StoreReadiness(ConfigStore store)
    {
        store.Changed += _ =>
        {
            if (store.Initialized)
            {
                _ready.TrySetResult();
            }
        };
    }

    public bool IsReady => _ready.Task.IsCompleted;

    public Task WaitAsync(CancellationToken ct) => _ready.Task.WaitAsync(ct);
}
