import { z } from 'zod';
import { defineContract, method, stream } from './define';
import { ErrorCodeSchema } from './errors';
import { liveUpdateSchema, SourceHealthSchema, type LiveDataOf } from './live';
import { SecretIdSchema } from './secrets';
import { SshTargetSchema } from './ssh';

/**
 * One typed view of a lotus miner (seed 001's "miner info" message, done properly), the same
 * whether it was read from the JSON-RPC API or scraped from `lotus-miner` CLI output. The keyed
 * collections (workers, jobs, sectors, storage) are Record<string, Item> so the live-data layer can
 * diff them by stable keys.
 *
 * Conventions:
 * - Values lotus prints are kept as `text` exactly as lotus prints them, beside the parsed number,
 *   so the UI can show the familiar string and compare sources. `exact` says whether the number
 *   came from the API (true) or was read back from rounded text (false).
 * - Task types, sector states, job states and units that Drover does not know are kept as strings,
 *   never dropped. The `*_KNOWN` lists below are for display and grouping only.
 * - Anything that could not be read goes to `problems`, with an excerpt of the raw text.
 */

const Text = z.string().max(4096);
const ShortText = z.string().max(1024);
const Count = z.number().int().min(0);
const Int = z.number().int();
const Decimal = z.string().max(80).regex(/^-?\d+$/, 'a decimal integer');
const UnsignedDecimal = z.string().max(80).regex(/^\d+$/, 'a decimal integer');

/** An amount of FIL. */
export const FilAmountSchema = z.object({
  /** attoFIL (10^-18 FIL) as a decimal integer string; may be negative. Absent when the text had an unknown unit. */
  atto: Decimal.optional(),
  /** As lotus prints it (`FIL.Short()`): "244.058 mFIL", "100 aFIL", "18925.6 FIL", "0". */
  text: ShortText,
  /** true when atto is the API's integer; false when read back from rounded CLI text. */
  exact: z.boolean(),
});
export type FilAmount = z.infer<typeof FilAmountSchema>;

/** A size in bytes (or quality-adjusted bytes for QA power). */
export const ByteQuantitySchema = z.object({
  /** Bytes as a decimal integer string (network power exceeds 2^53). Absent for an unknown unit. */
  bytes: UnsignedDecimal.optional(),
  /** As lotus prints it: "12.44 TiB" (SizeStr), "23.7 Ti" (DeciStr, QA power), "32GiB" (go-units). */
  text: ShortText,
  exact: z.boolean(),
});
export type ByteQuantity = z.infer<typeof ByteQuantitySchema>;

export const AddressBalanceSchema = z.object({
  /** Filecoin address as lotus prints it (f0… / t0… ID addresses, f1/f3 key addresses). */
  address: ShortText.optional(),
  balance: FilAmountSchema.optional(),
});
export type AddressBalance = z.infer<typeof AddressBalanceSchema>;

export const MinerBalancesSchema = z.object({
  /** Miner actor balance. */
  miner: FilAmountSchema.optional(),
  /** PreCommit deposits. */
  precommitDeposits: FilAmountSchema.optional(),
  /** Initial pledge. */
  initialPledge: FilAmountSchema.optional(),
  /** Locked (vesting) rewards, printed as "Vesting:". */
  vesting: FilAmountSchema.optional(),
  feeDebt: FilAmountSchema.optional(),
  /** Balance minus the above (StateMinerAvailableBalance). */
  available: FilAmountSchema.optional(),
  market: z
    .object({ escrow: FilAmountSchema.optional(), locked: FilAmountSchema.optional(), available: FilAmountSchema.optional() })
    .optional(),
  owner: AddressBalanceSchema.optional(),
  worker: AddressBalanceSchema.optional(),
  /** The miner's control addresses (StateMinerInfo.ControlAddresses) with balances where known. */
  control: z.array(AddressBalanceSchema).max(64).optional(),
  /** Sum of the control balances (the CLI prints only this). */
  controlTotal: FilAmountSchema.optional(),
  /** The [Addresses] section of the miner config (ActorAddressConfig): which keys send which messages. */
  addressConfig: z
    .object({
      precommit: z.array(ShortText).max(64),
      commit: z.array(ShortText).max(64),
      terminate: z.array(ShortText).max(64),
      dealPublish: z.array(ShortText).max(64),
      disableOwnerFallback: z.boolean().optional(),
      disableWorkerFallback: z.boolean().optional(),
    })
    .optional(),
  beneficiary: ShortText.optional(),
  /** available + market available + worker + control, as the CLI computes it. */
  totalSpendable: FilAmountSchema.optional(),
});
export type MinerBalances = z.infer<typeof MinerBalancesSchema>;

export const MinerPowerSchema = z.object({
  raw: ByteQuantitySchema.optional(),
  qualityAdjusted: ByteQuantitySchema.optional(),
  networkRaw: ByteQuantitySchema.optional(),
  networkQualityAdjusted: ByteQuantitySchema.optional(),
  /** "%0.4f" share of the network as lotus prints it, e.g. "0.0004". */
  rawPercentText: ShortText.optional(),
  qualityAdjustedPercentText: ShortText.optional(),
  /** Raw power at or above the consensus minimum: the miner can win blocks. */
  hasMinPower: z.boolean().optional(),
  /** Quality-adjusted power that counts for winning blocks: QA power with min power, else 0. */
  effective: ByteQuantitySchema.optional(),
  /** Live sectors × sector size ("Committed:"). */
  committed: ByteQuantitySchema.optional(),
  /** (Active + Faulty) × sector size ("Proving:"). */
  proving: ByteQuantitySchema.optional(),
  /** Faulty sectors × sector size. */
  faulty: ByteQuantitySchema.optional(),
});
export type MinerPower = z.infer<typeof MinerPowerSchema>;

export const SealingStageCountsSchema = z.object({
  waitDeals: Count,
  addPiece: Count,
  pc1: Count,
  pc2: Count,
  /** PreCommitting, PreCommitWait, SubmitPreCommitBatch, PreCommitBatchWait: PC2 done, waiting to land on chain. */
  precommitWaiting: Count,
  waitSeed: Count,
  /** Committing (C1/C2 proofs being computed). */
  committing: Count,
  /** SubmitCommit, CommitWait, SubmitCommitAggregate, CommitAggregateWait: proof done, waiting to land on chain. */
  commitWaiting: Count,
  /** precommitWaiting + commitWaiting. */
  waitingChain: Count,
  /** FinalizeSector, CommitFinalize. */
  finalizing: Count,
  /** Every sector in a state between Empty and Proving (snap-deal states included). */
  inProgress: Count,
});
export type SealingStageCounts = z.infer<typeof SealingStageCountsSchema>;

export const SectorCountsSchema = z.object({
  /** Sum of `states` (what `lotus-miner info` prints as Total). */
  total: Count.optional(),
  /** Sector FSM state → count, every state kept (SectorsSummary / the `Sectors:` block). */
  states: z.record(z.string(), Count),
  /** Proving + Available + UpdateActivating: sealed and active in the FSM. */
  proving: Count,
  /** On-chain counts (StateMinerSectorCount); the CLI does not print them exactly. */
  onChain: z.object({ live: Count, active: Count, faulty: Count }).optional(),
  /** Faulty sectors on chain (StateMinerSectorCount / `proving info` Faults / info "Faulty"). */
  faulty: Count.optional(),
  /** Declared recoveries (StateMinerRecoveries / `proving info` Recovering). */
  recovering: Count.optional(),
  /** Faulty, FaultReported, FaultedFinal FSM states. */
  faultStates: Count,
  /** The *Failed states and the other error states (DealsExpired, RecoverDealIDs, …), unknown "*Failed" states included. */
  failed: Count,
  /** Terminating, TerminateWait, TerminateFinality, TerminateFailed. */
  terminated: Count,
  /** Removing, Removed, RemoveFailed (deleted sectors). */
  removed: Count,
  sealing: SealingStageCountsSchema,
});
export type SectorCounts = z.infer<typeof SectorCountsSchema>;

export const ProvingDeadlineSchema = z.object({
  index: Count,
  /** Wall-clock open time as printed (host zone), e.g. "09:16:30". */
  openText: ShortText.optional(),
  partitions: Count.optional(),
  sectors: Count.optional(),
  faults: Count.optional(),
  provenPartitions: Count.optional(),
  current: z.boolean(),
});
export type ProvingDeadline = z.infer<typeof ProvingDeadlineSchema>;

export const ProvingInfoSchema = z.object({
  currentEpoch: Int.optional(),
  periodStart: Int.optional(),
  deadlineIndex: Count.optional(),
  /** Live sectors in the current deadline (CLI only). */
  deadlineSectors: Count.optional(),
  deadlineOpen: Int.optional(),
  deadlineClose: Int.optional(),
  deadlineChallenge: Int.optional(),
  deadlineFaultCutoff: Int.optional(),
  faults: Count.optional(),
  recovering: Count.optional(),
  /** `lotus-miner proving deadlines` rows (CLI, when that command is run). */
  deadlines: z.array(ProvingDeadlineSchema).max(48).optional(),
});
export type ProvingInfo = z.infer<typeof ProvingInfoSchema>;

export const MinerOverviewSchema = z.object({
  /** Miner actor address, e.g. "f03150672". */
  minerId: ShortText.optional(),
  sectorSize: ByteQuantitySchema.optional(),
  headEpoch: Int.optional(),
  /** Unix ms of the head tipset (epoch time = 1598306400 s + 30 s × epoch on mainnet). */
  headTimestampMs: z.number().optional(),
  chain: z
    .object({
      /** "ok" | "slow" | "behind" (CLI), or another word lotus printed. */
      sync: ShortText.optional(),
      /** As printed: "sync ok", "sync slow (1m0s behind)". */
      syncText: ShortText.optional(),
      basefee: FilAmountSchema.optional(),
    })
    .optional(),
  /** "Enabled subsystems": Mining, Sealing, SectorStorage… */
  subsystems: z.array(ShortText).max(32).optional(),
  /** When the miner process started (unix ms). */
  startedAtMs: z.number().optional(),
  activeAlerts: Count.optional(),
  balances: MinerBalancesSchema,
  power: MinerPowerSchema,
  sectors: SectorCountsSchema,
  messages: z.object({
    /** Messages in the node's mpool addressed to this miner actor (PreCommit, ProveCommit, PoSt…). */
    pending: Count.optional(),
    /** Every pending message the node knows. */
    poolSize: Count.optional(),
    /** Pending messages to this miner by actor method number (5 SubmitWindowedPoSt, 28 PreCommitSectorBatch2, …). */
    pendingByMethod: z.record(z.string(), Count).optional(),
  }),
  blocks: z
    .object({
      /** Expected won blocks per day from the power share (0 below minimum power). */
      expectedPerDay: z.number().min(0).optional(),
      /** As printed: "0.10/week (every 1610h35m14s)". */
      winRateText: ShortText.optional(),
      /** The 99.9 % interval as printed, e.g. "11125h30m53s". */
      certainWithinText: ShortText.optional(),
    })
    .optional(),
  proving: ProvingInfoSchema.optional(),
  /** "Workers: Seal(2) WdPoSt(0) WinPoSt(0)" (enabled workers by kind). */
  workerKinds: z.object({ seal: Count, wdpost: Count, winpost: Count }).optional(),
});
export type MinerOverview = z.infer<typeof MinerOverviewSchema>;

/** Known worker kinds; other strings may appear. "post" = a PoSt worker whose kind the CLI did not show. */
export const WORKER_KINDS_KNOWN = ['sealing', 'wdpost', 'winpost', 'post', 'unknown'] as const;
/**
 * Known worker states: ok; disabled (Enabled=false: `lotus-worker set --enabled=false`, or its session check
 * is failing); unreachable (the miner lists it but its task types could not be read: lotus gives it an empty
 * task list, or a Fleet probe failed). Other strings may appear.
 */
export const WORKER_STATES_KNOWN = ['ok', 'disabled', 'unreachable', 'unknown'] as const;
/** Known connection values: connected, unreachable, unknown. */
export const WORKER_CONNECTIONS_KNOWN = ['connected', 'unreachable', 'unknown'] as const;

export const WorkerTaskCountSchema = z.object({
  /** Full task type, e.g. "seal/v0/precommit/1", when known. */
  task: ShortText.optional(),
  /** Short name as lotus prints it ("PC1"); an unknown type keeps its full name here. */
  short: ShortText,
  running: Count,
  /** Jobs prepared or assigned to this worker but not running yet. */
  pending: Count,
  /** MaxConcurrent limit (e.g. PC1_32G_MAX_CONCURRENT), when set. */
  max: Count.optional(),
});
export type WorkerTaskCount = z.infer<typeof WorkerTaskCountSchema>;

/** Host readings filled in later by Fleet probes (not by lotus). */
export const WorkerHardwareSchema = z.object({
  cpuLoadPercent: z.number().optional(),
  cpuTempC: z.number().optional(),
  gpus: z
    .array(
      z.object({
        index: Count,
        name: ShortText.optional(),
        loadPercent: z.number().optional(),
        tempC: z.number().optional(),
        memoryUsedBytes: z.number().optional(),
        memoryTotalBytes: z.number().optional(),
        powerW: z.number().optional(),
      }),
    )
    .max(64)
    .optional(),
  diskUsePercent: z.number().optional(),
  diskReadBytesPerSec: z.number().optional(),
  diskWriteBytesPerSec: z.number().optional(),
  netRxBytesPerSec: z.number().optional(),
  netTxBytesPerSec: z.number().optional(),
  updatedAtMs: z.number().optional(),
});
export type WorkerHardware = z.infer<typeof WorkerHardwareSchema>;

export const MinerWorkerSchema = z.object({
  /** Worker session UUID (the record key); old lotus printed small numbers ("Worker 0"). */
  id: ShortText,
  /** First 8 hex digits, as `sealing jobs` prints them. */
  idShort: ShortText,
  hostname: ShortText,
  /** See WORKER_KINDS_KNOWN. */
  kind: ShortText,
  enabled: z.boolean().optional(),
  /** See WORKER_STATES_KNOWN. */
  state: ShortText,
  /** See WORKER_CONNECTIONS_KNOWN: how the miner's link to the worker looks. */
  connection: ShortText,
  /** Task types the worker accepts, full names (API only: the CLI does not print them). */
  tasks: z.array(ShortText).max(64).optional(),
  cpu: z.object({ cores: Count.optional(), inUse: Count.optional() }),
  gpu: z.object({
    count: Count,
    names: z.array(ShortText).max(64),
    /** Sum of the GPU utilisation claimed by running tasks (1.00 = one GPU). */
    used: z.number().min(0).optional(),
    /** As printed: "1.00/1". */
    usedText: ShortText.optional(),
  }),
  memory: z.object({
    physicalBytes: z.number().min(0).optional(),
    /** Memory in use on the host (API only). */
    usedBytes: z.number().min(0).optional(),
    swapBytes: z.number().min(0).optional(),
    swapUsedBytes: z.number().min(0).optional(),
    /** Memory claimed by running tasks (minimum / maximum resource figures). */
    tasksMinBytes: z.number().min(0).optional(),
    tasksMaxBytes: z.number().min(0).optional(),
    ramPercent: Count.optional(),
    vmemPercent: Count.optional(),
    /** As `sealing workers` prints after the bar, e.g. "15% 39 GiB/251.5 GiB". */
    ramText: ShortText.optional(),
    vmemText: ShortText.optional(),
  }),
  /** Running and pending counts by task, keyed by short name (full name for unknown types). */
  taskCounts: z.record(z.string(), WorkerTaskCountSchema),
  hardware: WorkerHardwareSchema.optional(),
});
export type MinerWorker = z.infer<typeof MinerWorkerSchema>;

/** Known job states (`sealing jobs` State column); other strings may appear. */
export const JOB_STATES_KNOWN = ['running', 'prepared', 'assigned', 'ret-wait', 'returned', 'ret-done', 'unknown'] as const;

export const MinerJobSchema = z.object({
  /** First 8 hex digits of the call UUID as lotus prints them; "00000000" before the call exists. */
  id: ShortText,
  /** Full call UUID (API only). */
  callId: ShortText.optional(),
  sector: Count,
  /** Miner actor number of the sector (API only), e.g. 3150672. */
  minerActorId: Count.optional(),
  /** Full worker UUID when known; absent for ret-wait/returned jobs (kept under the zero UUID). */
  workerId: ShortText.optional(),
  /** Worker UUID prefix as printed ("00000000" for returned work). */
  workerShort: ShortText,
  hostname: ShortText,
  /** Full task type when known. */
  task: ShortText.optional(),
  /** Short name: PC1, C2, GET…; "UNK" or an unknown short name is kept as is. */
  taskShort: ShortText,
  /** See JOB_STATES_KNOWN. */
  state: ShortText,
  /** State as printed: "assigned(1)". */
  stateText: ShortText,
  /** N of assigned(N): 1 = the worker's first scheduling window. */
  assignedWindow: Count.optional(),
  /** lotus RunWait: 0 running, 1 prepared, N+1 assigned(N), -1 ret-wait, -2 returned, -3 ret-done. */
  runWait: Int.optional(),
  startMs: z.number().optional(),
  runningMs: z.number().min(0).optional(),
  /** Time column as printed ("3h2m41.3s", "n/a"). */
  timeText: ShortText.optional(),
});
export type MinerJob = z.infer<typeof MinerJobSchema>;

export const MinerSectorSchema = z.object({
  number: Count,
  state: ShortText,
  onChain: z.boolean().optional(),
  active: z.boolean().optional(),
  expirationEpoch: Int.optional(),
  /** As printed: "6095560 (in 13 weeks 2 days)", "n/a". */
  expirationText: ShortText.optional(),
  /** Deals column as printed: a count, "CC", "CC(upgrade)", "DDO:n". */
  deals: ShortText.optional(),
  dealCount: Count.optional(),
  dealWeightText: ShortText.optional(),
  verifiedPowerText: ShortText.optional(),
  pledge: FilAmountSchema.optional(),
  sealTimeText: ShortText.optional(),
  events: Count.optional(),
  error: Text.optional(),
  recoveryTimeout: ShortText.optional(),
  /** Columns Drover does not know, by header name. */
  extra: z.record(z.string(), ShortText).optional(),
});
export type MinerSector = z.infer<typeof MinerSectorSchema>;

export const StoragePathSchema = z.object({
  /** Storage path UUID (the record key). */
  id: ShortText,
  capacity: ByteQuantitySchema.optional(),
  /** Capacity minus filesystem-available space. */
  used: ByteQuantitySchema.optional(),
  usedPercent: Count.optional(),
  /** MaxStorage limit and what counts against it. */
  limit: z.object({ used: ByteQuantitySchema.optional(), max: ByteQuantitySchema.optional(), percent: Count.optional() }).optional(),
  /** Space promised to running tasks. */
  reserved: ByteQuantitySchema.optional(),
  counts: z.object({
    unsealed: Count.optional(),
    sealed: Count.optional(),
    caches: Count.optional(),
    updated: Count.optional(),
    updateCaches: Count.optional(),
  }),
  weight: Count.optional(),
  canSeal: z.boolean().optional(),
  canStore: z.boolean().optional(),
  /** "Use:" as printed: "Seal Store", "Seal", "Store", "ReadOnly". */
  useText: ShortText.optional(),
  groups: z.array(ShortText).max(256).optional(),
  allowTo: z.array(ShortText).max(256).optional(),
  allowTypes: z.array(ShortText).max(64).optional(),
  denyTypes: z.array(ShortText).max(64).optional(),
  /** Local directory when the path is attached to the miner process itself. */
  localPath: ShortText.optional(),
  urls: z.array(ShortText).max(64),
  /** As printed: "1.1ms". */
  latencyText: ShortText.optional(),
  error: Text.optional(),
});
export type StoragePath = z.infer<typeof StoragePathSchema>;

export const MinerProblemSchema = z.object({
  /** The command ("lotus-miner sealing jobs") or method ("Filecoin.WorkerStats") that produced it. */
  source: ShortText,
  message: Text,
  /** An excerpt of the text that was not understood (at most a few KiB). */
  raw: Text.optional(),
  /** 1-based line number in that command's output. */
  line: Count.optional(),
  /** Set when the command or call failed as a whole (e.g. PERMISSION_DENIED for an admin method with a read token). */
  code: ErrorCodeSchema.optional(),
  hint: Text.optional(),
});
export type MinerProblem = z.infer<typeof MinerProblemSchema>;

export const MinerSnapshotSchema = z.object({
  source: z.object({
    kind: z.enum(['rpc', 'cli']),
    /** When the data was read (unix ms): job durations are relative to it. */
    takenAtMs: z.number(),
    durationMs: z.number().min(0).optional(),
  }),
  overview: MinerOverviewSchema,
  workers: z.record(z.string(), MinerWorkerSchema),
  jobs: z.record(z.string(), MinerJobSchema),
  /** Present only when sectors were listed (`sectors list`). */
  sectors: z.record(z.string(), MinerSectorSchema).optional(),
  /** Present when storage paths were read (`storage list` / StorageList). */
  storage: z.record(z.string(), StoragePathSchema).optional(),
  problems: z.array(MinerProblemSchema).max(1000),
  /** Raw command outputs (ANSI stripped, size-capped), keyed by command, for the UI to show. */
  raw: z.record(z.string(), z.string().max(262_144)).optional(),
});
export type MinerSnapshot = z.infer<typeof MinerSnapshotSchema>;

// =================================================================================================
// The miners feature: saved miner sessions, one live stream, chart history and admin actions.
// (The shapes above are one miner's snapshot; what follows is the contract the UI uses.)

const Id = z.string().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/);
const SessionIdSchema = Id;

/** A lotus JSON-RPC endpoint URL: http(s):// or ws(s)://, with its path (miner /rpc/v0, full node /rpc/v1). */
export const LotusUrlSchema = z
  .string()
  .min(8)
  .max(2048)
  .regex(/^(?:https?|wss?):\/\/[^\s/?#]+(?:\/[^\s]*)?$/i, 'an http(s):// or ws(s):// URL, e.g. http://10.0.0.5:2345/rpc/v0');

/** A Drover tunnel's local (-L) forward the endpoint is reached through (like etcd's tunnel target). */
export const ViaTunnelTargetSchema = z.object({
  /** The tunnel profile id. */
  tunnelId: Id,
  /** The id of its local forward; the URL's host:port is replaced by the forward's local address. */
  forwardId: Id,
});
export type ViaTunnelTarget = z.infer<typeof ViaTunnelTargetSchema>;

export const LotusEndpointConfigSchema = z.object({
  url: LotusUrlSchema,
  /** Secret-store id of the JWT (set by the service when save() gets a token; never the token itself). */
  tokenSecretId: SecretIdSchema.optional(),
  /** Reach the URL through this tunnel forward instead of directly. */
  tunnel: ViaTunnelTargetSchema.optional(),
});
export type LotusEndpointConfig = z.infer<typeof LotusEndpointConfigSchema>;

export const MinerRpcSourceSchema = z.object({
  kind: z.literal('rpc'),
  /** The lotus-miner API (…:2345/rpc/v0). An admin token is needed for workers, jobs and every action; a read token shows chain data only. */
  miner: LotusEndpointConfigSchema,
  /** The lotus full node API (…:1234/rpc/v1) for power, balances and chain head; absent: overview without chain state. */
  fullNode: LotusEndpointConfigSchema.optional(),
  /** How calls travel (ChainNotify always uses a WebSocket). */
  transport: z.enum(['http', 'ws']).default('http'),
  /** Subscribe to Filecoin.ChainNotify on the full node (WebSocket): a new head triggers an early poll. */
  chainNotify: z.boolean().default(true),
  /** Read storage paths each poll (StorageList + StorageStat per path). */
  storage: z.boolean().default(true),
  /**
   * lotus-worker APIs, for enabling/disabling task types (the miner API has no method for it).
   * A worker is found in `urls` by hostname or worker id, else at http://<hostname>:<port>/rpc/v0.
   * The miner's admin token is used (lotus-worker verifies tokens with the miner).
   */
  workerApi: z
    .object({
      port: z.number().int().min(1).max(65535).default(3456),
      urls: z.record(z.string().min(1).max(253), LotusUrlSchema).default({}),
    })
    .optional(),
});
export type MinerRpcSource = z.infer<typeof MinerRpcSourceSchema>;

const EnvName = z.string().min(1).max(128).regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

export const MinerCliSourceSchema = z.object({
  kind: z.literal('cli'),
  /** The miner host (and its jump hosts) reached through the shared SSH layer. */
  ssh: SshTargetSchema,
  /** lotus-miner program on the host (default "lotus-miner" on the PATH). */
  program: z.string().min(1).max(4096).optional(),
  /** LOTUS_MINER_PATH on the host (the repo holding the miner's API token), when not the login default. */
  minerPath: z.string().min(1).max(4096).optional(),
  /** Extra environment for lotus-miner (e.g. PATH). Values appear on the remote command line: never put tokens here. */
  env: z.record(EnvName, z.string().max(4096)).default({}),
  /** Also run `lotus-miner sectors list` each poll (slow on big miners). */
  sectorsList: z.boolean().default(false),
  /** Per-command timeout. */
  commandTimeoutSec: z.number().int().min(1).max(3600).default(60),
});
export type MinerCliSource = z.infer<typeof MinerCliSourceSchema>;

export const MinerSourceConfigSchema = z.discriminatedUnion('kind', [MinerRpcSourceSchema, MinerCliSourceSchema]);
export type MinerSourceConfig = z.infer<typeof MinerSourceConfigSchema>;

/** When the service raises an alert (every threshold optional; defaults are sensible for 32 GiB sealing). */
export const MinerAlertThresholdsSchema = z.object({
  /** A job runs longer than factor × that worker's median for that task (median of finished jobs seen this run). */
  jobSlowFactor: z.number().min(1.1).max(100).default(3),
  /** Finished jobs of a worker+task needed before its median counts. */
  jobSlowMinSamples: z.number().int().min(1).max(1000).default(3),
  /** A hard limit per task short name ("PC1": 6 h), seconds; checked whatever the median says. */
  jobMaxRunningSec: z.record(z.string().min(1).max(64), z.number().int().min(1)).default({}),
  /** A job stays in assigned(N) / prepared longer than this. */
  stuckAssignedSec: z.number().int().min(1).default(1800),
  /** A job stays in ret-wait (result waiting for the miner) longer than this. */
  stuckRetWaitSec: z.number().int().min(1).default(900),
  /** Raise "worker gone" when a worker the miner listed disappears. */
  workerGone: z.boolean().default(true),
  /** Raise when the count of failed/error sectors goes up. */
  errorSectors: z.boolean().default(true),
  /** Balance thresholds in FIL (e.g. worker: 1 = alert when the worker address has less than 1 FIL). */
  balanceBelowFil: z
    .object({
      miner: z.number().min(0).optional(),
      available: z.number().min(0).optional(),
      worker: z.number().min(0).optional(),
      control: z.number().min(0).optional(),
    })
    .default({}),
});
export type MinerAlertThresholds = z.infer<typeof MinerAlertThresholdsSchema>;

export const MinerSessionConfigSchema = z.object({
  id: SessionIdSchema,
  name: z.string().min(1).max(128),
  source: MinerSourceConfigSchema,
  pollIntervalSec: z.number().int().min(2).max(3600).default(10),
  alerts: MinerAlertThresholdsSchema.prefault({}),
  /** A saved session that is not polled. */
  paused: z.boolean().default(false),
});
export type MinerSessionConfig = z.infer<typeof MinerSessionConfigSchema>;
export type MinerSessionConfigInput = z.input<typeof MinerSessionConfigSchema>;

/** What a token may do, as far as the service could tell (from the answers to admin methods). */
export const MinerAccessSchema = z.enum(['admin', 'read', 'unknown']);
export type MinerAccess = z.infer<typeof MinerAccessSchema>;

export const MinerSessionItemSchema = z.object({
  config: MinerSessionConfigSchema,
  hasMinerToken: z.boolean(),
  hasFullNodeToken: z.boolean(),
  health: SourceHealthSchema,
});
export type MinerSessionItem = z.infer<typeof MinerSessionItemSchema>;

// ---- the live stream: miners.live

/** miners.live "miners": one item per session, keyed by session id. */
export const MinerLiveItemSchema = z.object({
  sessionId: SessionIdSchema,
  name: z.string(),
  kind: z.enum(['rpc', 'cli']),
  /** "rpc http://10.0.0.5:2345/rpc/v0 via tunnel edge", "cli ops@miner-1:22". */
  where: z.string().max(2048),
  paused: z.boolean(),
  /** This session's source health (live / connecting / stale / down with the cause; `via` names the Drover tunnel when it is the cause). */
  health: SourceHealthSchema,
  /** What the token may do: admin actions are offered only for 'admin' (CLI sessions: 'admin', the host's own token). */
  access: MinerAccessSchema,
  /** ChainNotify subscription (rpc with a full node only). */
  chainNotify: z.enum(['off', 'connecting', 'live', 'failed']),
  /** Absent until the first successful poll. */
  overview: MinerOverviewSchema.optional(),
  /** When the data was read (unix ms) and how long the poll took. */
  takenAtMs: z.number().optional(),
  durationMs: z.number().optional(),
  pollIntervalMs: z.number(),
  workerCount: Count,
  jobCount: Count,
  /** Jobs by state (running, assigned, ret-wait, …). */
  jobsByState: z.record(z.string(), Count),
  /** What a poll could not read (a failed method or command, unparsed lines). Raw command outputs: snapshot(). */
  problems: z.array(MinerProblemSchema).max(1000),
});
export type MinerLiveItem = z.infer<typeof MinerLiveItemSchema>;

/** miners.live "workers": key `${sessionId}/${workerId}`. */
export const MinerLiveWorkerSchema = MinerWorkerSchema.extend({ sessionId: SessionIdSchema });
export type MinerLiveWorker = z.infer<typeof MinerLiveWorkerSchema>;

/**
 * miners.live "jobs": key `${sessionId}/${jobKey}` (jobKey as in MinerSnapshot.jobs: the call id's 8
 * hex digits, or "<worker>:<sector>:<task>" before the call exists; an assigned job that starts
 * therefore moves to a new key). runningMs and timeText are left out when startMs is known (show
 * now - startMs, with the frame's nowMs), so a running job is not re-sent on every poll; startMs
 * read back from CLI text is kept steady across polls.
 */
export const MinerLiveJobSchema = MinerJobSchema.extend({
  sessionId: SessionIdSchema,
  /** The worker's median running time for this task (finished jobs seen this run), when known. */
  usualMs: z.number().min(0).optional(),
});
export type MinerLiveJob = z.infer<typeof MinerLiveJobSchema>;

export const MINER_ALERT_KINDS = ['job-slow', 'job-over-limit', 'job-stuck-assigned', 'job-stuck-ret-wait', 'worker-gone', 'sectors-error', 'balance-low'] as const;
export const MinerAlertKindSchema = z.enum(MINER_ALERT_KINDS);
export type MinerAlertKind = z.infer<typeof MinerAlertKindSchema>;

/** miners.live "alerts": firing alerts, key = id = `${sessionId}/${kind}/${subject}`; resolved alerts are removed. */
export const MinerAlertSchema = z.object({
  id: z.string().max(512),
  sessionId: SessionIdSchema,
  kind: MinerAlertKindSchema,
  severity: z.enum(['warning', 'critical']),
  /** The job key, worker id, sector state or balance name the alert is about. */
  subject: z.string().max(256),
  /** English sentence (the UI may build its own from kind + values). */
  message: z.string().max(1024),
  sinceMs: z.number(),
  workerId: ShortText.optional(),
  hostname: ShortText.optional(),
  jobKey: ShortText.optional(),
  task: ShortText.optional(),
  /** job-*: running/waiting time, the worker's usual time, the limit (ms). */
  runningMs: z.number().optional(),
  usualMs: z.number().optional(),
  limitMs: z.number().optional(),
  /** sectors-error: the count before and now. balance-low: FIL now and the threshold. */
  value: z.number().optional(),
  previous: z.number().optional(),
  threshold: z.number().optional(),
});
export type MinerAlert = z.infer<typeof MinerAlertSchema>;

export const MINERS_LIVE_COLLECTIONS = {
  miners: MinerLiveItemSchema,
  workers: MinerLiveWorkerSchema,
  jobs: MinerLiveJobSchema,
  alerts: MinerAlertSchema,
};
export const MinersLiveSchema = liveUpdateSchema(MINERS_LIVE_COLLECTIONS);
export type MinersLiveData = LiveDataOf<typeof MINERS_LIVE_COLLECTIONS>;

// ---- history for charts

const NullableNumber = z.number().nullable();

/** Chart data of one session, columnar (uPlot's shape): one value (or null) per time, oldest first; in memory, at most MINER_HISTORY_POINTS. */
export const MinerHistorySchema = z.object({
  sessionId: SessionIdSchema,
  intervalMs: z.number(),
  atMs: z.array(z.number()),
  /** Jobs per state (every state seen in the window; 0 where a state had no jobs). */
  jobsByState: z.record(z.string(), z.array(z.number())),
  power: z.object({ rawBytes: z.array(NullableNumber), qualityAdjustedBytes: z.array(NullableNumber) }),
  /** FIL (as floating point, for charts only). */
  balances: z.object({ miner: z.array(NullableNumber), available: z.array(NullableNumber), worker: z.array(NullableNumber), control: z.array(NullableNumber) }),
  /** Failed + fault-state sectors. */
  errorSectors: z.array(NullableNumber),
});
export type MinerHistory = z.infer<typeof MinerHistorySchema>;
export const MINER_HISTORY_POINTS = 1440;

// ---- results of methods

export const MinerTestResultSchema = z.object({
  kind: z.enum(['rpc', 'cli']),
  minerId: ShortText.optional(),
  access: MinerAccessSchema,
  workers: Count,
  jobs: Count,
  durationMs: z.number(),
  problems: z.array(MinerProblemSchema).max(1000),
});
export type MinerTestResult = z.infer<typeof MinerTestResultSchema>;

export const WorkerTasksResultSchema = z.object({
  /** The task types the worker accepts now (full names, from TaskTypes after the change). */
  tasks: z.array(ShortText),
  /** Whether it takes new work (Enabled), when read. */
  enabled: z.boolean().optional(),
  /** The worker API used. */
  workerApi: z.string(),
});
export type WorkerTasksResult = z.infer<typeof WorkerTasksResultSchema>;

export const WorkerTerminalSchema = z.object({
  /** Pass to terminal.open as `target` (kind 'ssh'). */
  target: z.object({ kind: z.literal('ssh'), ...SshTargetSchema.shape }),
  /**
   * fleet: the Fleet host whose lotusWorker/hostname matches; miner-jump: the CLI session's miner
   * login with the miner as the last jump and the worker's hostname as the target (same user).
   */
  how: z.enum(['fleet', 'miner-jump']),
  /** "ops@fil-seal-01:22 via ops@miner-1:22". */
  label: z.string(),
});
export type WorkerTerminal = z.infer<typeof WorkerTerminalSchema>;

const SaveToken = z.string().min(1).max(8192);
const S = { sessionId: SessionIdSchema };

export const minersContract = defineContract({
  /** Saved sessions with whether their tokens are stored and their health. */
  list: method({ input: z.null(), output: z.array(MinerSessionItemSchema) }),
  /** Creates or replaces a session (by id). Tokens given are stored in the secret store (never in miners.json). */
  save: method({
    input: z.object({
      config: MinerSessionConfigSchema,
      minerToken: SaveToken.optional(),
      fullNodeToken: SaveToken.optional(),
      clearMinerToken: z.boolean().optional(),
      clearFullNodeToken: z.boolean().optional(),
    }),
    output: MinerSessionItemSchema,
  }),
  /** Deletes a session, its stored tokens and its history. */
  remove: method({ input: z.object({ id: SessionIdSchema }), output: z.null() }),
  /** Reads the miner once with these settings (not saved); tokens given here are used instead of the stored ones. */
  testConnection: method({
    input: z.object({ config: MinerSessionConfigSchema, minerToken: SaveToken.optional(), fullNodeToken: SaveToken.optional() }),
    output: MinerTestResultSchema,
    timeoutMs: 130_000,
  }),
  /** Polls a session now (unless a poll is running). */
  pollNow: method({ input: z.object(S), output: z.null() }),
  /** The latest snapshot of one session as read (CLI `drover miners snapshot`); NOT_FOUND before the first poll. */
  snapshot: method({ input: z.object(S), output: MinerSnapshotSchema }),

  /** Every session: miners (overview + health), workers, jobs and firing alerts; snapshot, then keyed diffs. */
  live: stream({ input: z.null(), event: MinersLiveSchema }),
  /** Chart history of one session (in memory, bounded). */
  history: method({ input: z.object(S), output: MinerHistorySchema }),

  /** Aborts a sealing job (SealingAbort / `lotus-miner sealing abort`). Admin: a read token gets PERMISSION_DENIED. */
  abortJob: method({ input: z.object({ ...S, jobKey: z.string().min(1).max(128) }), output: z.null(), timeoutMs: 60_000 }),
  /**
   * Enables/disables task types of a worker and/or whether it takes new work, through the worker's
   * own API (rpc sessions; CLI sessions: UNSUPPORTED). Admin.
   */
  setWorkerTasks: method({
    input: z.object({
      ...S,
      workerId: z.string().min(1).max(128),
      enable: z.array(z.string().min(1).max(64)).max(32).default([]),
      disable: z.array(z.string().min(1).max(64)).max(32).default([]),
      enabled: z.boolean().optional(),
    }),
    output: WorkerTasksResultSchema,
    timeoutMs: 60_000,
  }),
  /** Hides a firing alert until its condition clears and it fires again (a gone worker: forgotten). */
  dismissAlert: method({ input: z.object({ alertId: z.string().min(1).max(512) }), output: z.null() }),
  /** Where to open a terminal on a worker's host (then terminal.open). NOT_FOUND when Drover cannot tell. */
  workerTerminal: method({ input: z.object({ ...S, workerId: z.string().min(1).max(128) }), output: WorkerTerminalSchema }),
});
