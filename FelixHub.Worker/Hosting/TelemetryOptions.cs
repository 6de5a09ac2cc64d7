using System.ComponentModel.DataAnnotations;

namespace FelixHub.Worker.Hosting;

/// <summary>Traces (<c>Telemetry:*</c>). Exporting them is switched on by the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Record spans at all (requests, jobs, HTTP calls, database commands). Off: no span, and no trace id in the logs.</summary>
    public bool Traces { get; set; } = true;

    /// <summary>
    /// Share of the traces that start here (or come from a caller that did not record them) that are recorded.
    /// Unset: 1 when spans are exported (an OTLP endpoint), 0 when nothing would read them — spans then
    /// only carry ids, which the logs show, and cost no recording.
    /// </summary>
    [Range(0.0, 1.0)]
    public double? TraceSampleRatio { get; set; }

    /// <summary>A span per Npgsql command inside a recorded trace.</summary>
    public bool TraceDatabaseCommands { get; set; } = true;

    /// <summary>Keep the SQL text (<c>db.query.text</c>, without parameter values) on database spans.</summary>
    public bool TraceDatabaseStatements { get; set; }
}
