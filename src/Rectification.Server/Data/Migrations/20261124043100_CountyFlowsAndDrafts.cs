using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rectification.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class CountyFlowsAndDrafts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "PublishedById",
                table: "FlowVersions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PublishedByName",
                table: "FlowVersions",
                type: "TEXT",
                maxLength: 100,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "ScopeId",
                table: "FlowVersions",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "FlowDrafts",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Key = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    ScopeId = table.Column<int>(type: "INTEGER", nullable: false),
                    Yaml = table.Column<string>(type: "TEXT", nullable: false),
                    AuthorId = table.Column<int>(type: "INTEGER", nullable: false),
                    AuthorName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FlowDrafts", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_FlowVersions_Key_ScopeId",
                table: "FlowVersions",
                columns: new[] { "Key", "ScopeId" });

            migrationBuilder.CreateIndex(
                name: "IX_FlowDrafts_Key_ScopeId",
                table: "FlowDrafts",
                columns: new[] { "Key", "ScopeId" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "FlowDrafts");

            migrationBuilder.DropIndex(
                name: "IX_FlowVersions_Key_ScopeId",
                table: "FlowVersions");

            migrationBuilder.DropColumn(
                name: "PublishedById",
                table: "FlowVersions");

            migrationBuilder.DropColumn(
                name: "PublishedByName",
                table: "FlowVersions");

            migrationBuilder.DropColumn(
                name: "ScopeId",
                table: "FlowVersions");
        }
    }
}
