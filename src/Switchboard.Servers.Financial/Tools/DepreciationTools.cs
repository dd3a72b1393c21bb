using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using ModelContextProtocol.Server;
using Switchboard.Servers.Financial.Depreciation;

namespace Switchboard.Servers.Financial.Tools;

/// <summary>Spreadsheet depreciation functions.</summary>
[McpServerToolType]
internal static class DepreciationTools
{
    [McpServerTool(Name = "sln", Title = "Straight-line depreciation (SLN)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Straight-line depreciation per period, as the spreadsheet SLN(cost, salvage, life): (cost - salvage) / life. Exact decimal arithmetic, not rounded.")]
    public static decimal StraightLine(
        [Description("Initial cost of the asset, in currency units.")] decimal cost,
        [Description("Value at the end of its useful life.")] decimal salvage,
        [Description("Number of periods over which it is depreciated; greater than 0.")] decimal life) =>
        ToolGuard.Run(() => DepreciationMath.StraightLine(cost, salvage, life));

    [McpServerTool(Name = "syd", Title = "Sum-of-years'-digits depreciation (SYD)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Sum-of-years'-digits depreciation for one period, as the spreadsheet SYD(cost, salvage, life, per): (cost - salvage) × (life - per + 1) × 2 / (life × (life + 1)). Exact decimal arithmetic, not rounded.")]
    public static decimal SumOfYearsDigits(
        [Description("Initial cost of the asset.")] decimal cost,
        [Description("Value at the end of its useful life.")] decimal salvage,
        [Description("Useful life in periods; greater than 0.")] decimal life,
        [Description("The period, from 1 to life, in the same unit as life.")] decimal period) =>
        ToolGuard.Run(() => DepreciationMath.SumOfYearsDigits(cost, salvage, life, period));

    [McpServerTool(Name = "db", Title = "Fixed-declining-balance depreciation (DB)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Fixed-declining-balance depreciation for one year, as the spreadsheet DB(cost, salvage, life, period, [month]): rate = 1 - (salvage/cost)^(1/life) rounded to 3 decimals; the first year is prorated by month/12, and when month < 12 there is a final partial year life + 1. Decimal arithmetic after the rate is rounded, not rounded to cents.")]
    public static decimal DecliningBalance(
        [Description("Initial cost of the asset; greater than 0.")] decimal cost,
        [Description("Value at the end of its useful life; 0 or more.")] decimal salvage,
        [Description("Useful life in whole years, at least 1."), Range(1, 1000)] int life,
        [Description("The year to compute, 1 to life (or life + 1 when month < 12)."), Range(1, 1001)] int period,
        [Description("Months of use in the first year, 1 to 12. Default 12."), Range(1, 12)] int month = 12) =>
        ToolGuard.Run(() => DepreciationMath.DecliningBalance(cost, salvage, life, period, month));

    [McpServerTool(Name = "ddb", Title = "Double-declining-balance depreciation (DDB)", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Double-declining-balance (or any factor) depreciation for one period, as the spreadsheet DDB(cost, salvage, life, period, [factor]): min(book value × factor/life, book value - salvage), never below 0. Life and period share a unit (years, months or days). Double precision.")]
    public static double DoubleDecliningBalance(
        [Description("Initial cost of the asset; 0 or more.")] double cost,
        [Description("Value at the end of its useful life; 0 or more.")] double salvage,
        [Description("Useful life in periods; greater than 0.")] double life,
        [Description("The period, from 1 to life.")] double period,
        [Description("Rate at which the balance declines; 2 (the default) is double-declining.")] double factor = 2) =>
        ToolGuard.Run(() => DepreciationMath.DoubleDecliningBalance(cost, salvage, life, period, factor));
}
