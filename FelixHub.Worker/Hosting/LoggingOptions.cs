namespace FelixHub.Worker.Hosting;

public sealed class LoggingOptions
{
    /// <summary><c>text</c> (default, for people) or <c>json</c> (compact JSON, one event per line, for log shippers).</summary>
    public string Format { get; set; } = "text";

    /// <summary>Write to the console (tests turn it off and capture events instead).</summary>
    public bool Console { get; set; } = true;
}
