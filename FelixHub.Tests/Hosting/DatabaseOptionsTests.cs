using FelixHub.Core.Persistence;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FelixHub.Tests.Hosting;

/// <summary>
/// The pool settings the worker adds to a connection string that leaves them out (automatic
/// preparation, no session reset, pool size) reach its connections, and one the string sets wins.
/// </summary>
public sealed class DatabaseOptionsTests
{
    private const string Plain = "Host=127.0.0.1;Port=5432;Database=felixhub;Username=app;Password=secret";

    [Fact]
    public void The_app_pool_prepares_statements_skips_the_reset_and_caps_its_size_when_the_connection_string_says_nothing()
    {
        var settings = DataSourceSettings(Plain);

        settings.MaxAutoPrepare.Should().Be(64);
        settings.NoResetOnClose.Should().BeTrue();
        settings.MaxPoolSize.Should().Be(11);
    }

    [Fact]
    public void What_the_connection_string_sets_is_kept()
    {
        var settings = DataSourceSettings(Plain + ";Max Auto Prepare=0;No Reset On Close=false;Maximum Pool Size=7");

        settings.MaxAutoPrepare.Should().Be(0);
        settings.NoResetOnClose.Should().BeFalse();
        settings.MaxPoolSize.Should().Be(7);
    }

    [Theory]
    [InlineData("Host=h;Max Auto Prepare=5", true)]
    [InlineData("Host=h;maxautoprepare=5", true)]
    [InlineData("Host=h;Maximum Pool Size=5", false)]
    [InlineData("Host=h", false)]
    public void Sets_answers_whether_the_string_itself_names_the_setting(string connectionString, bool expected) =>
        DatabaseOptions.Sets(connectionString, "MaxAutoPrepare").Should().Be(expected);

    private static NpgsqlConnectionStringBuilder DataSourceSettings(string connectionString)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:FelixHub"] = connectionString })
            .Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration).AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance);
        services.AddPersistence(configuration);
        using var provider = services.BuildServiceProvider();
        return new NpgsqlConnectionStringBuilder(provider.GetRequiredService<NpgsqlDataSource>().ConnectionString);
    }
}
