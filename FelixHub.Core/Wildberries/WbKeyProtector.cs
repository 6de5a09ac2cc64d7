using Microsoft.AspNetCore.DataProtection;

namespace FelixHub.Core.Wildberries;

/// <summary>Encrypts cabinets' API keys at rest with ASP.NET Core Data Protection (key ring in the database).</summary>
public sealed class WbKeyProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector protector = provider.CreateProtector("FelixHub.Wildberries.ApiKey.v1");

    public string Protect(string apiKey) => protector.Protect(apiKey);

    public string Unprotect(string encrypted) => protector.Unprotect(encrypted);
}
