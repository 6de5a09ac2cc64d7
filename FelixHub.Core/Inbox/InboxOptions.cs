using System.ComponentModel.DataAnnotations;

namespace FelixHub.Core.Inbox;

/// <summary>In-app notifications over WebSocket (section <c>Inbox</c>).</summary>
public sealed class InboxOptions : IValidatableObject
{
    public const string Section = "Inbox";

    /// <summary>
    /// The office users: they receive every status update, issue and office alert. (No initializer
    /// with values: the configuration binder would append to it.)
    /// </summary>
    public string[] OfficeUserIds { get; set; } = [];

    /// <summary>
    /// HMAC-SHA256 key of the socket tokens (<c>POST /api/inbox/tokens</c>); at least 32 characters.
    /// Empty: no tokens; sockets then need the API key, or come from loopback when no key is set either. Never logged.
    /// </summary>
    public string TokenSecret { get; set; } = "";

    [Range(1, 10_080)]
    public int TokenLifetimeMinutes { get; set; } = 60;

    /// <summary>Messages waiting for one socket; a socket whose queue is full is too slow and is disconnected.</summary>
    [Range(1, 10_000)]
    public int SendQueueCapacity { get; set; } = 64;

    /// <summary>A single send that takes longer disconnects the socket.</summary>
    [Range(0.1, 300)]
    public double SendTimeoutSeconds { get; set; } = 10;

    /// <summary>WebSocket ping interval.</summary>
    [Range(0.1, 3600)]
    public double KeepAliveIntervalSeconds { get; set; } = 30;

    /// <summary>A socket that does not answer a ping within this time is dropped as dead.</summary>
    [Range(0.1, 3600)]
    public double KeepAliveTimeoutSeconds { get; set; } = 30;

    [Range(1, 1000)]
    public int MaxConnectionsPerUser { get; set; } = 20;

    /// <summary>The backplane connection (LISTEN) is checked with a query after this much silence.</summary>
    [Range(0.1, 3600)]
    public double ListenKeepAliveSeconds { get; set; } = 15;

    /// <summary>Upper bound of the reconnect backoff of the backplane connection (0.5 s, 1 s, 2 s, ... up to this).</summary>
    [Range(0.5, 3600)]
    public double ListenReconnectMaxDelaySeconds { get; set; } = 30;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (TokenSecret.Length is > 0 and < 32)
            yield return new ValidationResult("Inbox:TokenSecret must be empty (tokens off) or at least 32 characters.", [nameof(TokenSecret)]);
        foreach (var id in OfficeUserIds)
        {
            if (!InboxUserId.IsValid(id))
                yield return new ValidationResult($"Inbox:OfficeUserIds has an invalid user id '{id}' (1-100 of A-Z a-z 0-9 . _ : @ -).", [nameof(OfficeUserIds)]);
        }
    }

    public bool TokensEnabled => TokenSecret.Length > 0;
}
