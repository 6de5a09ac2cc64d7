using System.Collections.Concurrent;
using System.Globalization;
using Fluid;
using Fluid.Values;
using Microsoft.Extensions.Logging;

namespace FelixHub.Core.Templates;

/// <summary>
/// The texts of FelixHub's messages: Liquid templates (Fluid), one file per message and language,
/// <c>Templates/&lt;language&gt;/&lt;name&gt;.liquid</c> next to the application (copied from
/// <c>FelixHub.Core/Templates</c> at build and publish). All are parsed once, when first used — the host
/// does that at start, so a template that does not parse stops the start (docs/templates.md).
/// </summary>
/// <remarks>
/// Every value a template prints goes through <see cref="TelegramHtmlEncoder"/> (Telegram HTML); the
/// templates' own markup is kept. A template that uses a value its model does not have is an error
/// under <see cref="Strict"/> (the tests render every template that way); when a message is sent it
/// renders as empty instead, and a warning is logged once per template and language. A file's one final
/// line break is not part of the message (editors add it).
/// </remarks>
public sealed partial class MessageTemplates
{
    /// <summary>The folder, next to the application, that holds one sub-folder per language.</summary>
    public const string FolderName = "Templates";

    public const string Extension = ".liquid";

    private static readonly FluidParser Parser = new();

    private static readonly TemplateOptions StrictOptions = new TemplateOptionsBuilder()
        .WithCultureInfo(CultureInfo.InvariantCulture).WithStrictVariables(true).WithStrictFilters(true).Build();

    private static readonly TemplateOptions LaxOptions = new TemplateOptionsBuilder()
        .WithCultureInfo(CultureInfo.InvariantCulture).Build();

    private static readonly AsyncLocal<StrictScope?> StrictMode = new();

    private static readonly Lock CurrentLock = new();
    private static MessageTemplates? current;
    private static ILogger? logger;

    private readonly Dictionary<string, Dictionary<string, IFluidTemplate>> byLanguage;
    private readonly ILogger? ownLogger;
    private readonly ConcurrentDictionary<(string Language, string Name), bool> warned = new();

    private MessageTemplates(Dictionary<string, Dictionary<string, IFluidTemplate>> byLanguage, ILogger? ownLogger)
    {
        this.byLanguage = byLanguage;
        this.ownLogger = ownLogger;
    }

    /// <summary>The application's templates (<see cref="FolderName"/> next to it), loaded on first use; throws when one does not parse.</summary>
    public static MessageTemplates Current
    {
        get
        {
            if (current is { } loaded) return loaded;
            lock (CurrentLock)
                return current ??= Load(Path.Combine(AppContext.BaseDirectory, FolderName));
        }
    }

    /// <summary>Where send-time warnings (a value a template uses but its model lacks) are logged.</summary>
    public static void UseLogger(ILoggerFactory factory) => logger = factory.CreateLogger<MessageTemplates>();

    /// <summary>The template names of each language.</summary>
    public IReadOnlyDictionary<string, IReadOnlyCollection<string>> Names =>
        byLanguage.ToDictionary(l => l.Key, l => (IReadOnlyCollection<string>)l.Value.Keys.Order(StringComparer.Ordinal).ToList());

    /// <summary>
    /// Reads and parses every <c>&lt;language&gt;/*.liquid</c> under <paramref name="directory"/> for each of
    /// <see cref="Languages.All"/>. Throws <see cref="InvalidDataException"/> naming the file when one does
    /// not parse or a language's folder is missing. Send-time warnings go to <paramref name="warnings"/>
    /// (default: the logger of <see cref="UseLogger"/>).
    /// </summary>
    public static MessageTemplates Load(string directory, ILogger? warnings = null)
    {
        var byLanguage = new Dictionary<string, Dictionary<string, IFluidTemplate>>(StringComparer.Ordinal);
        foreach (var language in Languages.All)
        {
            var folder = Path.Combine(directory, language);
            if (!Directory.Exists(folder)) throw new InvalidDataException($"Message templates: the folder {folder} is missing.");
            var templates = new Dictionary<string, IFluidTemplate>(StringComparer.Ordinal);
            foreach (var file in Directory.EnumerateFiles(folder, "*" + Extension).Order(StringComparer.Ordinal))
            {
                var source = File.ReadAllText(file).Replace("\r\n", "\n", StringComparison.Ordinal);
                if (source.EndsWith('\n')) source = source[..^1];
                if (!Parser.TryParse(source, out var template, out var error))
                    throw new InvalidDataException($"Message template {file} does not parse: {error}");
                templates[Path.GetFileNameWithoutExtension(file)] = template;
            }
            byLanguage[language] = templates;
        }
        return new MessageTemplates(byLanguage, warnings);
    }

    /// <summary>
    /// Within the scope (this async flow), a template that uses a missing value throws instead of rendering
    /// it as empty, and every template rendered is recorded in <see cref="StrictScope.Rendered"/>. For tests.
    /// </summary>
    public static StrictScope Strict() => StrictMode.Value = new StrictScope(StrictMode.Value);

    /// <summary>Renders the template <paramref name="name"/> in <paramref name="language"/> (Russian when unknown) with <paramref name="model"/>, as Telegram HTML.</summary>
    public string Render(string name, string language, IReadOnlyDictionary<string, object?> model) =>
        Render(name, language, model, TelegramHtmlEncoder.Instance);

    /// <summary>
    /// Renders a plain-text template (the answer to a button press, which Telegram shows as it is): values
    /// are printed unescaped. Such templates are named <c>answer_*</c>.
    /// </summary>
    public string RenderPlain(string name, string language, IReadOnlyDictionary<string, object?> model) =>
        Render(name, language, model, NullEncoder.Default);

    private string Render(string name, string language, IReadOnlyDictionary<string, object?> model, System.Text.Encodings.Web.TextEncoder encoder)
    {
        language = Languages.OrDefault(language);
        if (!byLanguage[language].TryGetValue(name, out var template))
        {
            // Every language has the same templates (a test checks it); the default language is the fallback.
            if (StrictMode.Value is not null || !byLanguage[Languages.Default].TryGetValue(name, out template))
                throw new InvalidOperationException($"No message template '{name}' in '{language}'.");
        }
        var strict = StrictMode.Value;
        strict?.Rendered.Add((language, name));
        try
        {
            return template.Render(Context(StrictOptions, model), encoder);
        }
        catch (FluidException e) when (strict is null)
        {
            if (warned.TryAdd((language, name), true) && (ownLogger ?? logger) is { } log) LogMissingValue(log, name, language, e.Message);
            return template.Render(Context(LaxOptions, model), encoder);
        }
    }

    private static TemplateContext Context(TemplateOptions options, IReadOnlyDictionary<string, object?> model)
    {
        var context = new TemplateContext(options);
        foreach (var (key, value) in model) context.SetValue(key, FluidValue.Create(Defined(value), options));
        return context;
    }

    /// <summary>A model value with every null (at any depth) as <see cref="Absent"/>: a value that is there but empty.</summary>
    private static object Defined(object? value) => value switch
    {
        null => Absent.Instance,
        string or FluidValue => value,
        IReadOnlyDictionary<string, object?> map => map.ToDictionary(e => e.Key, e => Defined(e.Value), StringComparer.Ordinal),
        System.Collections.IEnumerable items => items.Cast<object?>().Select(Defined).ToList(),
        _ => value,
    };

    /// <summary>
    /// An optional value the message does not have (a product without an article): false in <c>{% if %}</c>,
    /// printed as nothing, equal to <c>nil</c> — but defined, so strict rendering does not take it for a
    /// value the model lacks (Fluid's nil would be).
    /// </summary>
    private sealed class Absent : FluidValue
    {
        public static readonly Absent Instance = new();

        public override FluidValues Type => FluidValues.String;

        public override bool Equals(FluidValue other) => other.IsNil() || other is Absent || (other.Type == FluidValues.String && other.ToStringValue(null!).Length == 0);

        public override bool ToBooleanValue(TemplateContext context) => false;

        public override decimal ToNumberValue(TemplateContext context) => 0;

        public override string ToStringValue(TemplateContext context) => "";

        public override object ToObjectValue(TemplateContext context) => null!;

        public override ValueTask WriteToAsync(IFluidOutput output, System.Text.Encodings.Web.TextEncoder encoder, TemplateContext context) => default;

        public override bool Equals(object? obj) => obj is FluidValue other && Equals(other);

        public override int GetHashCode() => 0;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message template {Name} ({Language}) uses a value its message does not have; it is rendered as empty: {Error}")]
    private static partial void LogMissingValue(ILogger logger, string name, string language, string error);

    /// <summary>A strict rendering scope (<see cref="Strict"/>); disposing it ends it.</summary>
    public sealed class StrictScope(StrictScope? outer) : IDisposable
    {
        public HashSet<(string Language, string Name)> Rendered { get; } = [];

        public void Dispose() => StrictMode.Value = outer;
    }
}
