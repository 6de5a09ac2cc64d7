using System.Security.Cryptography;
using FelixHub.Core.Protection;
using FelixHub.Core.Wildberries;
using FelixHub.Tests.Infrastructure;
using FelixHub.Worker.Hosting;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Npgsql;

namespace FelixHub.Tests.Wildberries;

/// <summary>
/// The WB API keys are encrypted with Data Protection, whose key ring sits in the database encrypted with
/// a master key that does not: the database alone decrypts nothing, the database and the master key
/// decrypt every key, and rotating the master key loses none.
/// </summary>
public sealed class MasterKeyTests
{
    private static readonly string[] WbKeys = ["wb-key-alpha-0123456789", "wb-key-beta-0123456789", "wb-key-gamma-0123456789"];

    [Fact]
    public async Task With_the_database_alone_no_WB_key_can_be_decrypted_and_with_the_master_key_every_one_can()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            var master = NewKey();
            var stored = await ProtectInWorkerAsync(database, master);

            var ring = await RingXmlAsync(database);
            ring.Should().NotBeEmpty();
            ring.Should().OnlyContain(xml => xml.Contains("felixhubEncryptedSecret", StringComparison.Ordinal)
                && !xml.Contains("<masterKey", StringComparison.Ordinal) && !xml.Contains("unencrypted form", StringComparison.Ordinal));

            foreach (var ciphertext in stored)
                Invoking(() => Unprotect(database, masterKey: null, ciphertext)).Should().Throw<CryptographicException>("the database alone holds no usable key");
            Invoking(() => Unprotect(database, NewKey(), stored[0])).Should().Throw<CryptographicException>("another master key opens nothing");
            stored.Select(c => Unprotect(database, master, c)).Should().Equal(WbKeys);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Rotating_the_master_key_re_protects_the_ring_and_loses_no_WB_key()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            var (old, @new) = (NewKey(), NewKey());
            var stored = await ProtectInWorkerAsync(database, old);

            // The new key, with the old one as the previous key while rotating: the start re-protects the ring.
            await using (var rotated = await TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?>
            {
                ["Hangfire:ServerEnabled"] = "false", ["DataProtection:MasterKey"] = @new, ["DataProtection:PreviousMasterKey"] = old,
            }))
            {
                var protector = rotated.Services.GetRequiredService<WbKeyProtector>();
                stored.Select(protector.Unprotect).Should().Equal(WbKeys);
                rotated.Logs.Containing("re-protected from the previous key").Should().ContainSingle();
            }

            (await RingXmlAsync(database)).Should().OnlyContain(xml => xml.Contains(MasterKeyRing.IdOf(Convert.FromBase64String(@new)), StringComparison.Ordinal));
            stored.Select(c => Unprotect(database, @new, c)).Should().Equal(WbKeys, "the new key alone opens the ring");
            Invoking(() => Unprotect(database, old, stored[0])).Should().Throw<CryptographicException>("the old key no longer opens it");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task A_ring_written_without_a_master_key_is_encrypted_when_one_is_set()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            string[] stored;
            await using (var development = await TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?>
            {
                ["Hangfire:ServerEnabled"] = "false", ["DataProtection:MasterKey"] = "", ["environment"] = "Development",
            }))
            {
                var protector = development.Services.GetRequiredService<WbKeyProtector>();
                stored = WbKeys.Select(protector.Protect).ToArray();
                development.Logs.Containing("stored unencrypted in the database").Should().NotBeEmpty();
            }
            (await RingXmlAsync(database)).Should().OnlyContain(xml => xml.Contains("<masterKey", StringComparison.Ordinal));

            var master = NewKey();
            await (await TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?>
            {
                ["Hangfire:ServerEnabled"] = "false", ["DataProtection:MasterKey"] = master,
            })).DisposeAsync();

            (await RingXmlAsync(database)).Should().OnlyContain(xml => !xml.Contains("<masterKey", StringComparison.Ordinal));
            stored.Select(c => Unprotect(database, master, c)).Should().Equal(WbKeys);
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task Production_without_a_master_key_or_with_the_wrong_one_does_not_start_and_says_which_setting_to_add()
    {
        var database = await PostgresServer.CreateDatabaseAsync();
        try
        {
            var (exitCode, output) = await WorkerProcess.RunUntilExitAsync(database, telegram: null, new Dictionary<string, string?>
            {
                ["DataProtection:MasterKey"] = "",
            });
            exitCode.Should().Be(FelixHubApp.ConfigurationErrorExitCode, output);
            output.Should().Contain("FELIXHUB_MASTER_KEY").And.Contain("FELIXHUB_MASTER_KEY_FILE").And.NotContain("   at ");

            var (badExit, badOutput) = await WorkerProcess.RunUntilExitAsync(database, telegram: null, new Dictionary<string, string?>
            {
                ["DataProtection:MasterKey"] = Convert.ToBase64String(new byte[16]),
            });
            badExit.Should().Be(FelixHubApp.ConfigurationErrorExitCode, badOutput);
            badOutput.Should().Contain("32 bytes");

            // A ring protected with one key, and a start with another: refused rather than starting a new ring.
            await ProtectInWorkerAsync(database, NewKey());
            var (wrongExit, wrongOutput) = await WorkerProcess.RunUntilExitAsync(database, telegram: null, new Dictionary<string, string?>
            {
                ["DataProtection:MasterKey"] = NewKey(),
            });
            wrongExit.Should().Be(FelixHubApp.ConfigurationErrorExitCode, wrongOutput);
            wrongOutput.Should().Contain("FELIXHUB_MASTER_KEY_PREVIOUS");
        }
        finally
        {
            await PostgresServer.DropDatabaseAsync(database);
        }
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(MasterKeyRing.KeyBytes));

    private static Action Invoking(Action action) => action;

    /// <summary>A worker with <paramref name="masterKey"/> encrypts the WB keys (what registering cabinets does); returns the stored ciphertexts.</summary>
    private static async Task<string[]> ProtectInWorkerAsync(string database, string masterKey)
    {
        await using var worker = await TestWorker.StartAsync(database, telegram: null, new Dictionary<string, string?>
        {
            ["Hangfire:ServerEnabled"] = "false", ["DataProtection:MasterKey"] = masterKey,
        });
        var protector = worker.Services.GetRequiredService<WbKeyProtector>();
        return WbKeys.Select(protector.Protect).ToArray();
    }

    private static async Task<List<string>> RingXmlAsync(string database)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT xml FROM data_protection_keys ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }

    /// <summary>
    /// Someone with the database (and, or not, a master key) decrypting a stored WB key with FelixHub's
    /// own Data Protection setup — no worker, nothing else.
    /// </summary>
    private static string Unprotect(string database, string? masterKey, string ciphertext)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["DataProtection:MasterKey"] = masterKey }).Build());
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = Environments.Development });
        services.AddSingleton(NpgsqlDataSource.Create(database));
        services.AddSingleton(TimeProvider.System);
        services.AddFelixHubDataProtection();
        // Only reading: a reader without a usable key must not add one of its own to the ring.
        services.AddDataProtection().DisableAutomaticKeyGeneration();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("FelixHub.Wildberries.ApiKey.v1").Unprotect(ciphertext);
    }
}
