namespace FelixHub.Core.Common;

/// <summary>Collects field errors and throws one <see cref="RequestValidationException"/> naming all of them.</summary>
public sealed class Validator
{
    private readonly Dictionary<string, List<string>> errors = new(StringComparer.Ordinal);

    public Validator Check(bool valid, string field, string message)
    {
        if (!valid)
        {
            if (!errors.TryGetValue(field, out var list)) errors[field] = list = [];
            list.Add(message);
        }
        return this;
    }

    public Validator Required(string? value, string field, int maxLength)
    {
        if (string.IsNullOrWhiteSpace(value)) return Check(false, field, $"'{field}' is required.");
        return Check(value.Length <= maxLength, field, $"'{field}' must be at most {maxLength} characters.").Storable(value, field);
    }

    public Validator Optional(string? value, string field, int maxLength) =>
        value is null ? this : Check(value.Length <= maxLength, field, $"'{field}' must be at most {maxLength} characters.").Storable(value, field);

    /// <summary>PostgreSQL text cannot hold U+0000: such input is refused here, not by the database with a 500.</summary>
    public Validator Storable(string? value, string field) =>
        Check(IsStorableText(value), field, $"'{field}' must not contain NUL (U+0000) characters.");

    public static bool IsStorableText(string? value) => value is null || !value.Contains('\0', StringComparison.Ordinal);

    public bool IsValid => errors.Count == 0;

    public void ThrowIfInvalid()
    {
        if (!IsValid)
            throw new RequestValidationException(errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
    }
}
