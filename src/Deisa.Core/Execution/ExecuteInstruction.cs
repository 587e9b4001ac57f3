namespace Deisa.Core.Execution;

/// <summary>What a worker's state machine asks its host to run: a task and its resolved arguments.</summary>
/// <param name="Task">The task.</param>
/// <param name="Resolved">Its resolved arguments, for <see cref="Graph.TaskArguments"/>.</param>
public readonly record struct ExecuteInstruction(WorkerTask Task, object?[] Resolved);
