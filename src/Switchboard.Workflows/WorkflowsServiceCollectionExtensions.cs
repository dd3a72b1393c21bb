using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Switchboard.Storage;
using Switchboard.Workflows.Engine;
using Switchboard.Workflows.Queue;
using Switchboard.Workflows.Tasks;

namespace Switchboard.Workflows;

/// <summary>Registers the queue, MCP tasks and, where this process runs jobs, the worker.</summary>
public static class WorkflowsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the job queue and <see cref="McpTasks"/>; with <paramref name="runWorker"/> also a <see cref="JobWorker"/>
    /// and, on PostgreSQL, the LISTEN that wakes it. Needs storage, access and the server registry registered.
    /// </summary>
    public static IServiceCollection AddSwitchboardWorkflows(this IServiceCollection services, IConfiguration configuration, bool runWorker)
    {
        services.AddSwitchboardQueue(configuration);
        services.AddOptions<WorkflowsOptions>().Bind(configuration.GetSection(WorkflowsOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkflowsOptions>, WorkflowsOptionsValidator>());
        services.TryAddSingleton<McpTasks>();
        services.TryAddSingleton<ToolCallJobHandler>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, ToolCallJobHandler>(sp => sp.GetRequiredService<ToolCallJobHandler>()));
        services.TryAddSingleton<RemoteTaskJobHandler>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, RemoteTaskJobHandler>(sp => sp.GetRequiredService<RemoteTaskJobHandler>()));
        services.TryAddSingleton<WorkflowEngine>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IJobHandler, WorkflowJobHandler>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, ToolStepExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, WaitStepExecutor>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IStepExecutor, ApprovalStepExecutor>());
        if (runWorker)
        {
            services.AddJobQueueListener();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, JobWorker>());
        }

        return services;
    }
}
