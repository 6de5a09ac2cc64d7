using System.Transactions;

namespace FelixHub.Core.Delivery;

/// <summary>
/// The transaction a change and the messages it causes commit in. An ambient <see cref="TransactionScope"/>
/// (read committed, flowing across awaits) rather than an EF Core transaction, because that is how
/// Hangfire.PostgreSql takes part in the caller's transaction: a job enqueued inside the scope commits
/// or rolls back with the change. Everything inside must use the application's connection pool and
/// open one connection at a time (EF Core does), so Npgsql reuses the one enlisted connection instead
/// of promoting to a two-phase transaction.
/// </summary>
public static class DeliveryTransaction
{
    public static TransactionScope Begin() =>
        new(TransactionScopeOption.Required,
            new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted, Timeout = TimeSpan.FromSeconds(30) },
            TransactionScopeAsyncFlowOption.Enabled);
}
