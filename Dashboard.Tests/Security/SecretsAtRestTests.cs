using System.Net;
using System.Security.Cryptography;
using System.Text;
using Dashboard.Tests.Support;
using Dashboard.Tests.Training;
using Dashboard.Web.Accounts;

namespace Dashboard.Tests.Security;

/// <summary>A copy of the database (a backup, a stolen disk) holds no password and no usable API token.</summary>
[Collection(TrainingCollection.Name)]
public sealed class SecretsAtRestTests
{
    [Fact]
    public async Task TheDatabaseFileHoldsNeitherPasswordsNorTokenSecrets()
    {
        using var dir = new TempDirectory();
        string secret;
        await using (var app = new DashboardApp(dir.Path, Accounts.Mode()).WithUser("mia", Role.Member))
        {
            secret = app.TokenFor("mia");
            using var client = app.CreateHttpClient(secret);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("api/runs")).StatusCode);
        }

        // The database and its log, as a backup would copy them.
        var stored = Directory.GetFiles(dir.Path, "dashboard*.db").SelectMany(File.ReadAllBytes).ToArray();

        Assert.False(Holds(stored, Accounts.Password), "The database holds a user's password as text.");
        Assert.False(Holds(stored, secret), "The database holds an API token's secret.");
        // What is stored instead is there, so the search above would have found the secrets.
        Assert.True(Holds(stored, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))), "The token's SHA-256 is not in the file: the search is blind.");
        Assert.True(Holds(stored, "mia"), "The user's name is not in the file: the search is blind.");
    }

    private static bool Holds(byte[] file, string text) => file.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
