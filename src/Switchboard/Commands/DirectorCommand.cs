using System.CommandLine;
using System.Text.Json;
using Switchboard.Access;
using Switchboard.Agents.Director;
using Switchboard.Gateway.Hosting;
using Switchboard.Policy;

namespace Switchboard.Host.Commands;

/// <summary>
/// <c>switchboard director --goal … --provider … --principal … --role …</c>: plans and runs a goal (or runs a plan)
/// in this process, with a worker of its own, against the database that <c>serve</c> uses; prints the result as JSON.
/// Like <c>keys</c>, it acts straight against the database, so it names the principal whose permissions the run has.
/// </summary>
internal static class DirectorCommand
{
    public static Command Create()
    {
        var goal = new Option<string?>("--goal") { Description = "What to achieve; the model plans it." };
        var plan = new Option<FileInfo?>("--plan") { Description = "A plan to run instead (JSON: {\"steps\": [{\"id\", \"tool\", \"arguments\", \"needs\"}]})." };
        var provider = new Option<string?>("--provider") { Description = "The model provider (Agents:Providers) that plans, re-plans and answers." };
        var principal = new Option<string>("--principal") { Description = "Whose permissions the run has (the principal id the audit trail records).", Required = true };
        var roles = new Option<string[]>("--role") { Description = "A role of that principal; repeat for several.", Required = true };
        var replans = new Option<int>("--max-replans") { Description = "New plans allowed after the first (default 2).", DefaultValueFactory = _ => 2 };
        var urls = new Option<string>("--urls") { Description = "Where its worker serves health probes (default http://127.0.0.1:0).", DefaultValueFactory = _ => "http://127.0.0.1:0" };
        var command = new Command("director", "Plan a goal with a language model and run the plan as a workflow, re-planning when a step fails; prints the answer, the outputs and the trace as JSON. Other --Section:Key=value flags override configuration.")
        {
            goal, plan, provider, principal, roles, replans, urls,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellationToken) =>
        {
            DirectorPlan? given = null;
            if (result.GetValue(plan) is { } file)
            {
                try
                {
                    given = DirectorPlan.Parse(await File.ReadAllTextAsync(file.FullName, cancellationToken));
                }
                catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
                {
                    await Console.Error.WriteLineAsync($"switchboard: cannot read the plan {file.FullName}: {e.Message}");
                    return 2;
                }
            }

            var request = new DirectorRequest(result.GetValue(goal), given, result.GetValue(provider), result.GetValue(replans));
            if (request.Goal is null && request.Plan is null)
            {
                await Console.Error.WriteLineAsync("switchboard: give --goal or --plan.");
                return 2;
            }

            using var host = SwitchboardHost.BuildGateway([.. result.UnmatchedTokens], new GatewayTopology(WorkerOnly: true), result.GetRequiredValue(urls));
            await host.StartAsync(cancellationToken);
            try
            {
                var director = host.Services.GetRequiredService<DirectorAgent>();
                var outcome = await director.RunAsync(request, new AccessPrincipal(result.GetRequiredValue(principal), new RoleSet(result.GetRequiredValue(roles))), cancellationToken);
                Console.WriteLine(JsonSerializer.Serialize(outcome, DirectorPlan.Json));
                return outcome.Succeeded ? 0 : 1;
            }
            catch (Exception e) when (e is ArgumentException or KeyNotFoundException or Switchboard.Agents.Llm.ModelCallException)
            {
                await Console.Error.WriteLineAsync($"switchboard: director: {e.Message}");
                return 1;
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        });
        return command;
    }
}
