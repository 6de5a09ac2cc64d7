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

    public bool IsMechanicStatusEnabled => FeatureFlag.IsOn(MechanicStatusEnabled);
}
