using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Rectification.Server.Data;

/// <summary>On SQLite, lets one save at a time into the database, the others waiting their turn in order. SQLite has one
/// writer anyway; without the gate the others are refused as busy and retried after a sleep, which put half a second on
/// the slowest actions at 16 concurrent clients. <see cref="AppDbContext"/> takes it around each save of its own; a save
/// inside a transaction the caller opened is not gated: that transaction may already hold SQLite's lock, and waiting here
/// for a save that waits on it would deadlock. Passed to the context as an interceptor only so the context can find it in
/// its options.</summary>
public sealed class SqliteWriteGate : IInterceptor, IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<T> RunAsync<T>(Func<Task<T>> save, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await save();
        }
        finally
        {
            _gate.Release();
        }
    }

    public T Run<T>(Func<T> save)
    {
        _gate.Wait();
        try
        {
            return save();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void Dispose() => _gate.Dispose();
}
