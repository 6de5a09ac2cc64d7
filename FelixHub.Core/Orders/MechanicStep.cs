namespace FelixHub.Core.Orders;

/// <summary>
/// A mechanic moving their order on from Telegram: <see cref="MechanicId"/> (whom the button was drawn
/// for) pressed it in <see cref="ChatId"/>, expecting the order in <see cref="FromStatus"/> and asking
/// for <see cref="ToStatus"/>.
/// </summary>
public sealed record MechanicStep(int OrderId, int MechanicId, string ChatId, string FromStatus, string ToStatus);

public enum MechanicStepOutcome
{
    /// <summary>The status changed, with every notification of the change.</summary>
    Changed,

    /// <summary>The order is already in the asked status (a second press, or a PATCH that did the same first).</summary>
    AlreadyDone,

    /// <summary>The order's status is neither the expected nor the asked one: it moved on.</summary>
    StatusMoved,

    /// <summary>The order is no longer assigned to the mechanic the button was drawn for.</summary>
    NotAssigned,

    /// <summary>The chat is not that mechanic's linked chat.</summary>
    OtherChat,

    /// <summary>The order does not exist (any more).</summary>
    NotFound,
}

/// <summary>What came of a <see cref="MechanicStep"/>; <see cref="Order"/> is the order as it is now (null when not found).</summary>
public sealed record MechanicStepResult(MechanicStepOutcome Outcome, Order? Order, OrderStatusChange? Change = null);
