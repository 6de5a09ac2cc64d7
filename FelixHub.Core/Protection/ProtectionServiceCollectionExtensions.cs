using FelixHub.Core.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FelixHub.Core.Protection;

public static class ProtectionServiceCollectionExtensions
{
    /// <summary>
    /// ASP.NET Core Data Protection for secrets FelixHub stores (the WB API keys): its key ring lives in
    /// the database, so every replica shares it, and each key of the ring is encrypted with the master key,
    /// which does not (section <c>DataProtection</c>; required outside Development).
    /// </summary>
    public static IServiceCollection AddFelixHubDataProtection(this IServiceCollection services)
    {
        services.AddOptions<MasterKeyOptions>().BindConfiguration(MasterKeyOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MasterKeyOptions>, MasterKeyOptionsValidator>();
        services.AddSingleton<MasterKeyRing>();
        services.AddDataProtection().SetApplicationName("FelixHub");
        services.AddOptions<KeyManagementOptions>().Configure<NpgsqlDataSource, TimeProvider, MasterKeyRing>((o, dataSource, time, ring) =>
        {
            o.XmlRepository = new DatabaseXmlRepository(dataSource, time);
            if (ring.Current is not null) o.XmlEncryptor = new MasterKeyXmlEncryptor(ring);
        });
        services.AddSingleton<IStartupSchemaStep, KeyRingProtectionStep>();
        return services;
    }
}
