using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Rectification.Server.Data.Migrations
{
    /// <inheritdoc />
    public partial class Acceptance : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "AcceptanceRecord",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CaseId = table.Column<int>(type: "INTEGER", nullable: false),
                    StageVisit = table.Column<int>(type: "INTEGER", nullable: false),
                    Total = table.Column<decimal>(type: "TEXT", precision: 7, scale: 2, nullable: false),
                    PassMark = table.Column<decimal>(type: "TEXT", precision: 7, scale: 2, nullable: false),
                    Satisfied = table.Column<int>(type: "INTEGER", nullable: false),
                    BasicallySatisfied = table.Column<int>(type: "INTEGER", nullable: false),
                    Dissatisfied = table.Column<int>(type: "INTEGER", nullable: false),
                    Passed = table.Column<bool>(type: "INTEGER", nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    RecordedByName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AcceptanceRecord", x => x.Id);
                    table.ForeignKey(
                        name: "FK_AcceptanceRecord_Cases_CaseId",
                        column: x => x.CaseId,
                        principalTable: "Cases",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "AcceptanceScore",
                columns: table => new
                {
                    AcceptanceRecordId = table.Column<int>(type: "INTEGER", nullable: false),
                    Item = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Points = table.Column<decimal>(type: "TEXT", precision: 7, scale: 2, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AcceptanceScore", x => new { x.AcceptanceRecordId, x.Item });
                    table.ForeignKey(
                        name: "FK_AcceptanceScore_AcceptanceRecord_AcceptanceRecordId",
                        column: x => x.AcceptanceRecordId,
                        principalTable: "AcceptanceRecord",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_AcceptanceRecord_CaseId_StageVisit",
                table: "AcceptanceRecord",
                columns: new[] { "CaseId", "StageVisit" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "AcceptanceScore");

            migrationBuilder.DropTable(
                name: "AcceptanceRecord");
        }
    }
}
