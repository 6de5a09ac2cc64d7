namespace FelixHub.Core.Common;

/// <summary>The request is well-formed but the state of what it names refuses it (a deactivated mechanic): the host answers 409 with a ProblemDetails.</summary>
public sealed class ConflictException(string title, string detail) : Exception(detail)
{
    public string Title { get; } = title;
}
