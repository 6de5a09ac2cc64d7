using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FelixHub.Core.Templates;

public static class TemplatesServiceCollectionExtensions
{
    /// <summary>
    /// The message templates (docs/templates.md): parsed at start, with the other start-up checks — a
    /// template that does not parse, or a language folder that is missing, stops the worker and names the file.
    /// </summary>
    public static IServiceCollection AddMessageTemplates(this IServiceCollection services)
    {
        services.AddOptions<MessageTemplatesCheck>().ValidateOnStart();
        services.AddSingleton<IValidateOptions<MessageTemplatesCheck>, MessageTemplatesValidator>();
        return services;
    }

    /// <summary>Nothing to configure: the start-up check of the templates hangs on it.</summary>
    public sealed class MessageTemplatesCheck;

    private sealed class MessageTemplatesValidator(ILoggerFactory loggers) : IValidateOptions<MessageTemplatesCheck>
    {
        public ValidateOptionsResult Validate(string? name, MessageTemplatesCheck options)
        {
            MessageTemplates.UseLogger(loggers);
            try
            {
                _ = MessageTemplates.Current;
                return ValidateOptionsResult.Success;
            }
            catch (InvalidDataException e)
            {
                return ValidateOptionsResult.Fail(e.Message);
            }
        }
    }
}
