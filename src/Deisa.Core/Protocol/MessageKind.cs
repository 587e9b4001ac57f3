namespace Deisa.Core.Protocol;

/// <summary>The type of a message; its numeric value is its tag on the wire.</summary>
public enum MessageKind : byte
{
    /// <summary>Client to scheduler: new tasks and the keys the client wants.</summary>
    UpdateGraph = 1,

    /// <summary>Client to scheduler: keys whose data will come from outside.</summary>
    CreateExternal = 2,

    /// <summary>Client to scheduler: the client no longer wants these keys.</summary>
    ReleaseKeys = 3,

    /// <summary>Client to scheduler: an external key's data will never come.</summary>
    FailExternal = 4,

    /// <summary>Client to scheduler: asks for a key's story.</summary>
    QueryStory = 5,

    /// <summary>Scheduler to client: the outcome of a request.</summary>
    RequestReply = 6,

    /// <summary>Scheduler to client: a wanted key's value is in memory on a worker.</summary>
    KeyInMemory = 7,

    /// <summary>Scheduler to client: a wanted key failed.</summary>
    KeyErred = 8,

    /// <summary>Scheduler to client: a key's story.</summary>
    StoryReply = 9,

    /// <summary>Scheduler to worker: compute a task.</summary>
    ComputeTask = 10,

    /// <summary>Scheduler to worker: drop these keys (and cancel them if not yet run).</summary>
    FreeKeys = 11,

    /// <summary>Worker to scheduler: a task finished and its value is stored.</summary>
    TaskFinished = 12,

    /// <summary>Worker to scheduler: a task threw.</summary>
    TaskErred = 13,

    /// <summary>Worker to scheduler: external data arrived.</summary>
    ExternalArrived = 14,

    /// <summary>Client or worker to worker: send me these values.</summary>
    GetData = 15,

    /// <summary>Worker to client or worker: the values asked for.</summary>
    DataReply = 16,

    /// <summary>Producer to worker: store this value under an external key.</summary>
    PutExternal = 17,

    /// <summary>Scheduler to producer: the outcome of a put that asked for one.</summary>
    PutAck = 18,

    /// <summary>Runtime to a host: stop.</summary>
    Close = 19,

    /// <summary>Producer to scheduler: the arrays it publishes.</summary>
    DeclareArrays = 20,

    /// <summary>Client to scheduler: asks for the declared arrays.</summary>
    GetArrays = 21,

    /// <summary>Scheduler to client: the declared arrays.</summary>
    ArraysReply = 22,

    /// <summary>Client to scheduler: derive, freeze and send the contract.</summary>
    ValidateContract = 23,

    /// <summary>Client to scheduler: revoke the contract.</summary>
    RevokeContract = 24,

    /// <summary>Scheduler to producer: what to ship, or stop.</summary>
    ContractUpdate = 25,

    /// <summary>Producer to scheduler: done publishing.</summary>
    ProducerFinished = 26,

    /// <summary>Deisa1 coupling: a block's metadata, every step.</summary>
    BlockMetadata = 27,

    /// <summary>Worker to producer: external values let go of (backpressure credits).</summary>
    KeysReleased = 28,

    /// <summary>Producer to scheduler: contracted blocks dropped by backpressure.</summary>
    DropExternal = 29,

    /// <summary>Client to scheduler: what a persisted computation reads of the simulation.</summary>
    DeclareInterest = 30,

    /// <summary>Client to scheduler: a persisted computation was released.</summary>
    WithdrawInterest = 31,

    /// <summary>Scheduler to client: data of a later step arrived.</summary>
    StepArrived = 32,

    /// <summary>Scheduler to client: how far an open-ended array's run has got, and where it ends.</summary>
    OpenArrayProgress = 33,

    /// <summary>Client to scheduler: a steering value for every simulation rank from a step on.</summary>
    SteerRequest = 34,

    /// <summary>Scheduler to producer: a steering value proposed; the producer votes.</summary>
    SteerProposal = 35,

    /// <summary>Producer to scheduler: its vote on a steering proposal.</summary>
    SteerVote = 36,

    /// <summary>Scheduler to producer: a steering proposal committed or abandoned.</summary>
    SteerDecision = 37,
}
