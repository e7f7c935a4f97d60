using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Rectification.Server.Tests.Infrastructure;

namespace Rectification.Server.Tests.Ledger;

/// <summary>Evidence files: checked by their own bytes, stored by the service, served only within scope.</summary>
public sealed class EvidenceTests(RectificationApp app) : IClassFixture<RectificationApp>
{
    private static readonly byte[] Png = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52, 1, 2, 3, 4];

    [Fact]
    public async Task Evidence_UploadedWithAReport_IsServedToTheCountyButNotToAnotherTownship()
    {
        using var admin = await app.ClientForAsync("county-admin");
        using var secretary = await app.ClientForAsync("township-secretary");
        using var inspector = await app.ClientForAsync("inspector");
        var id = (await admin.ProposeAsync(await app.OrgIdAsync("杨木村"), "9")).Id();
        await admin.ConfirmAndAssignAsync(id);
        await secretary.PutPlanAsync(id, ("9", "建设党群服务中心"));
        await secretary.ActOkAsync(id, "submit-plan");
        await admin.ActOkAsync(id, "approve-plan");
        var item = (await admin.LedgerItemsAsync(id)).Single();

        var uploaded = await (await UploadAsync(secretary, item, Png, "image/png", "服务中心.png")).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(("image/png", Png.Length), (uploaded.GetProperty("contentType").GetString(), uploaded.GetProperty("size").GetInt32()));
        await (await secretary.PostAsJsonAsync($"/api/v1/ledger/{item}/report", new { note = "服务中心已投入使用，见照片" })).ExpectAsync(HttpStatusCode.OK);

        var download = await admin.GetAsync(uploaded.GetProperty("url").GetString());
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal(Png, await download.Content.ReadAsByteArrayAsync());
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        var listed = await (await inspector.GetAsync($"/api/v1/ledger/{item}/evidence")).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("服务中心.png", listed[0].GetProperty("fileName").GetString());

        using var other = await app.ClientForAsync("township-secretary-2");
        await (await other.GetAsync(uploaded.GetProperty("url").GetString())).ExpectAsync(HttpStatusCode.NotFound);
        await (await other.GetAsync($"/api/v1/ledger/{item}/evidence")).ExpectAsync(HttpStatusCode.NotFound);
        await (await UploadAsync(other, item, Png, "image/png", "x.png")).ExpectAsync(HttpStatusCode.NotFound);

        // A text file claiming to be a photo, a file too large, an inspector uploading: all refused, nothing stored.
        await (await UploadAsync(secretary, item, "<script>alert(1)</script>"u8.ToArray(), "image/png", "fake.png")).ExpectAsync(HttpStatusCode.UnsupportedMediaType);
        await (await UploadAsync(secretary, item, new byte[11 * 1024 * 1024], "application/pdf", "big.pdf")).ExpectAsync(HttpStatusCode.RequestEntityTooLarge);
        await (await UploadAsync(inspector, item, Png, "image/png", "x.png")).ExpectAsync(HttpStatusCode.Forbidden);
        await (await UploadAsync(secretary, item, Png, "image/png", "../../etc/passwd")).ExpectAsync(HttpStatusCode.BadRequest);
        Assert.Single((await (await admin.GetAsync($"/api/v1/ledger/{item}/evidence")).ExpectAsync(HttpStatusCode.OK)).EnumerateArray());
        Assert.Single(Directory.GetFiles(Path.Combine(app.DataDirectory, "evidence", id.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient client, int item, byte[] bytes, string type, string name)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(type);
        return client.PostAsync($"/api/v1/ledger/{item}/evidence?fileName={Uri.EscapeDataString(name)}", content);
    }
}
