using Npgsql;

namespace FelixHub.Core.Persistence;

/// <summary>Tells "PostgreSQL is unreachable or restarting" apart from errors in what we asked of it.</summary>
public static class DatabaseErrors
{
    /// <summary>
    /// True for a lost or refused connection, a timeout, or a server that is shutting down, starting or
    /// out of connections, anywhere in the exception chain (EF Core and Hangfire wrap Npgsql's errors).
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" or "08000" or "08003" or "08006" }) return true;
            if (e is NpgsqlException { IsTransient: true } or TimeoutException) return true;
        }
        return false;
    }
}
