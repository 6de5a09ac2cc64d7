using System.ComponentModel.DataAnnotations;
using FelixHub.Core.Common;

namespace FelixHub.Core.Orders;

public sealed class NotificationsOptions
{
    public const string Section = "Notifications";

    /// <summary>Raw flag (env alias <c>ENABLE_TG_MECH_NOTIFS</c>): <c>true</c>/<c>1</c>/<c>yes</c> in any case enable.</summary>
    public string MechanicStatusEnabled { get; set; } = "false";

    /// <summary>Base of the deeplinks in messages (env alias <c>FRONTEND_URL</c>).</summary>
    [Required, Url]
    public string FrontendUrl { get; set; } = "http://localhost:3000";

    /// <summary>Telegram chats of the admins (stuck-order alerts, new orders). No initializer: the binder appends to one.</summary>
    public string[] AdminChatIds { get; set; } = [];

    /// <summary>Schedule of the recovery job that enqueues status-change notifications whose enqueue was lost (Hangfire cron; six fields include seconds).</summary>
    [Required]
    public string RecoveryCron { get; set; } = "*/5 * * * *";

    /// <summary>A status change is recovered only when its notification has been pending this long (the normal enqueue takes milliseconds).</summary>
    [Range(1, 3600)]
    public int RecoveryGraceSeconds { get; set; } = 60;

    /// <summary>
    /// Telegram accepted a message but the database went away before its success row was written: the
    /// job keeps trying to write the row for this long (instead of failing, which would send it again).
    /// </summary>
    [Range(0, 3600)]
    public int SentRecordRetrySeconds { get; set; } = 120;

    public bool IsMechanicStatusEnabled => FeatureFlag.IsOn(MechanicStatusEnabled);
}
