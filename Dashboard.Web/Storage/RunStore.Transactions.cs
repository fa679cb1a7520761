using LiteDB;

namespace Dashboard.Web.Storage;

// How every write reaches the file: one transaction, rolled back on failure; after an I/O failure (a full disk)
// the database is reopened, because LiteDB closes its engine or leaves the transaction half written. On opening,
// LiteDB itself crops a torn last page of its log and keeps only confirmed transactions.
public sealed partial class RunStore
{
    // Room kept free beside the database, given up on a full disk so that the run that hit it can be marked.
    private const int ReserveBytes = 1 << 20;
    private volatile bool _reserveHeld;
    private bool _reserveWarned;
    private int _transactionDepth;

    /// <summary>The file of <see cref="ReserveBytes"/> kept beside the database (see <see cref="InterruptForDiskFull"/>).</summary>
    public string ReservePath => DatabasePath + ".reserve";

    private void Open()
    {
        _db = new LiteDatabase(new ConnectionString { Filename = DatabasePath, Connection = ConnectionType.Direct }, _mapper);
        _runs = _db.GetCollection<Run>("runs");
    }

    /// <summary>
    /// Runs <paramref name="work"/> as one LiteDB transaction under the write lock: all of it is kept or none.
    /// LiteDB transactions belong to the thread that began them, so <paramref name="work"/> must be synchronous.
    /// </summary>
    /// <exception cref="DiskFullException">The disk was full; nothing was kept and the database is usable again.</exception>
    private T Write<T>(Func<T> work, bool holdReserve = true)
    {
        lock (_writeLock)
        {
            if (_transactionDepth > 0) return work(); // inside another write: part of its transaction
            if (holdReserve) TryHoldReserve();
            Begin();
            _transactionDepth++;
            try
            {
                var result = work();
                _db.Commit();
                return result;
            }
            catch (Exception e)
            {
                Abandon(e);
                if (e is not DiskFullException && DiskFullException.IsDiskFull(e)) throw new DiskFullException(DatabasePath, e);
                throw;
            }
            finally
            {
                _transactionDepth--;
            }
        }
    }

    private void Write(Action work) => Write(() =>
    {
        work();
        return true;
    });

    private void Begin()
    {
        try
        {
            _db.BeginTrans();
        }
        catch (Exception e) when (e is LiteException or IOException or ObjectDisposedException)
        {
            // A failed write outside this store's transactions (LiteDB closes its engine on an I/O error).
            Reopen(e);
            _db.BeginTrans();
        }
    }

    private void Abandon(Exception cause)
    {
        // An exception of our own (a refused change) leaves LiteDB sound: roll back. An I/O error does not.
        if (cause is not IOException)
        {
            try
            {
                _db.Rollback();
                return;
            }
            catch (Exception rollbackError)
            {
                // LiteDB closed its engine on an error of its own and refuses even the rollback.
                _logger.LogDebug(rollbackError, "Rolling back the failed write failed too");
            }
        }
        ForgetFailedTransaction();
        Reopen(cause);
    }

    /// <summary>
    /// LiteDB 5.0.21 leaves a transaction whose pages could not be written in a state that its own Dispose refuses
    /// ("discarded page must be writable"), in Rollback, in Close and in its finalizer, which then throws on the
    /// finalizer thread and ends the process (seen in DiskFullTests). The reopened database no longer knows it, so
    /// its finalizer is switched off. Runs on the thread of the failed transaction: LiteDB keys them by thread.
    /// </summary>
    private void ForgetFailedTransaction()
    {
        const System.Reflection.BindingFlags Private = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance;
        try
        {
            var engine = typeof(LiteDatabase).GetField("_engine", Private)?.GetValue(_db);
            var monitor = engine?.GetType().GetField("_monitor", Private)?.GetValue(engine);
            var transaction = monitor?.GetType().GetMethod("GetThreadTransaction")?.Invoke(monitor, null);
            if (transaction is not null) GC.SuppressFinalize(transaction);
            else if (monitor is null) _logger.LogWarning("LiteDB's transaction monitor was not found: a failed transaction may end the process when it is finalised");
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not switch off the finaliser of LiteDB's failed transaction");
        }
    }

    /// <summary>Closes and opens the database again: LiteDB then keeps only the transactions that were committed.</summary>
    private void Reopen(Exception cause)
    {
        _logger.LogWarning(cause, "A write to {Path} failed ({Message}); reopening the database, which keeps only committed transactions", DatabasePath, cause.Message);
        try
        {
            _db.Dispose();
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "Closing the database after the failed write");
        }
        Open();
    }

    /// <summary>Takes (back) the reserve file if there is room for it; quietly stays without one otherwise.</summary>
    private void TryHoldReserve()
    {
        if (_reserveHeld) return;
        try
        {
            if (!File.Exists(ReservePath) || new FileInfo(ReservePath).Length != ReserveBytes)
            {
                // Written, not only sized: a file that is only sized is sparse and keeps no room on tmpfs or ext4.
                using var stream = new FileStream(ReservePath, FileMode.Create, FileAccess.Write, FileShare.None);
                stream.Write(new byte[ReserveBytes]);
                stream.Flush(flushToDisk: true);
            }
            _reserveHeld = true;
            _reserveWarned = false;
        }
        catch (IOException e)
        {
            TryDelete(ReservePath);
            if (!_reserveWarned) _logger.LogWarning("No room for the {Bytes}-byte reserve beside {Path}: {Message}", ReserveBytes, DatabasePath, e.Message);
            _reserveWarned = true;
        }
    }

    private void ReleaseReserve()
    {
        _reserveHeld = false;
        TryDelete(ReservePath);
    }

    private void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException e)
        {
            _logger.LogWarning(e, "Could not delete {Path}", path);
        }
    }
}
