namespace FelixHub.Core.Common;

/// <summary>An unknown id: the host answers 404 with a ProblemDetails.</summary>
public sealed class NotFoundException(string resource, object id)
    : Exception($"{resource} {id} was not found.")
{
    public string Resource { get; } = resource;
    public object Id { get; } = id;
}
