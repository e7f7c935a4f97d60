using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Rectification.Server.Features.Backup;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Reliability;

/// <summary>Who may download the whole database: a county admin while it holds nothing but their county (and the city
/// above it); once the city adds a second county, only an admin at city level.</summary>
public sealed class BackupScopeTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    [Fact]
    public async Task Backup_OnceTheDatabaseHoldsAnotherCounty_IsRefusedToTheCountyAdmin_AndStillMadeForTheCityAdmin()
    {
        using var countyAdmin = await app.ClientForAsync("county-admin");
        using var cityAdmin = await app.ClientForAsync("city-admin");
        Assert.Equal(55, (await ManifestAsync(countyAdmin)).GetProperty("counts").GetProperty("orgUnits").GetInt32());

        await (await cityAdmin.PostAsJsonAsync("/api/v1/orgs", new { parentId = await app.OrgIdAsync("吉林市"), code = "220221", name = "永吉县" }))
            .ExpectAsync(HttpStatusCode.Created);
        var refused = await (await countyAdmin.PostAsync("/api/v1/admin/backup", null)).ExpectAsync(HttpStatusCode.Forbidden);
        Assert.Contains("永吉县", refused.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(56, (await ManifestAsync(cityAdmin)).GetProperty("counts").GetProperty("orgUnits").GetInt32());
    }

    private static async Task<JsonElement> ManifestAsync(HttpClient client)
    {
        var response = await client.PostAsync("/api/v1/admin/backup", null);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        using var zip = new ZipArchive(await response.Content.ReadAsStreamAsync(), ZipArchiveMode.Read);
        using var manifest = zip.GetEntry(BackupArchive.ManifestEntry)!.Open();
        return (await JsonDocument.ParseAsync(manifest)).RootElement.Clone();
    }
}
