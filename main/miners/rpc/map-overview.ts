import type { AddressBalance, MinerOverview, MinerWorker } from '../../contract/miners';
import { bytesFromInteger } from '../byte-size';
import { filFromAtto } from '../fil-amount';
import { formatGoDurationMs } from '../go-format';
import { clipText } from '../miner-problem';
import { sectorCountsFromStates } from '../sector-states';
import { winProjection } from '../win-projection';
import { arr, big, bitfieldCount, bool, count, int, num, obj, str, strings } from './json-read';

/** Raw results of the calls that make the overview; any may be missing (failed or not made). */
export interface OverviewInputs {
  minerAddress?: string;
  /** ActorSectorSize */
  sectorSize?: unknown;
  /** StateMinerPower */
  power?: unknown;
  /** StateMinerInfo */
  minerInfo?: unknown;
  /** StateMinerAvailableBalance */
  available?: unknown;
  /** StateReadState of the miner actor */
  actorState?: unknown;
  /** StateMinerSectorCount */
  sectorCount?: unknown;
  /** StateMarketBalance */
  market?: unknown;
  /** StateMinerProvingDeadline */
  provingDeadline?: unknown;
  /** StateMinerRecoveries (bitfield) */
  recoveries?: unknown;
  /** ChainHead */
  head?: unknown;
  /** MpoolPending */
  mpool?: unknown;
  /** ActorAddressConfig */
  addressConfig?: unknown;
  /** SectorsSummary */
  summary?: unknown;
  /** WalletBalance by address */
  walletBalances?: Readonly<Record<string, unknown>>;
  workers?: Readonly<Record<string, MinerWorker>>;
}

const EPOCH_SECONDS = 30;

/** The overview from API results, with the texts `lotus-miner info` would print. */
export function mapOverview(inp: OverviewInputs, nowMs: number): MinerOverview {
  const ov: MinerOverview = { balances: {}, power: {}, sectors: sectorCountsFromStates({}), messages: {} };
  const info = obj(inp.minerInfo);
  if (inp.minerAddress) ov.minerId = clipText(inp.minerAddress, 128);

  const sectorSize = count(inp.sectorSize) ?? count(info?.SectorSize);
  if (sectorSize !== undefined) ov.sectorSize = bytesFromInteger(sectorSize);

  // chain head
  const head = obj(inp.head);
  if (head) {
    const height = int(head.Height);
    if (height !== undefined) ov.headEpoch = height;
    const blocks = (arr(head.Blocks) ?? []).map(obj).filter((b): b is Record<string, unknown> => b !== undefined);
    const stamps = blocks.map((b) => num(b.Timestamp)).filter((t): t is number => t !== undefined);
    if (stamps.length) {
      const minTs = Math.min(...stamps);
      ov.headTimestampMs = minTs * 1000;
      const behindS = Math.floor(nowMs / 1000) - minTs;
      const behind = formatGoDurationMs(Math.max(0, Math.trunc(nowMs / 1000 - minTs)) * 1000);
      if (behindS < (EPOCH_SECONDS * 3) / 2) ov.chain = { sync: 'ok', syncText: 'sync ok' };
      else if (behindS < EPOCH_SECONDS * 5) ov.chain = { sync: 'slow', syncText: `sync slow (${behind} behind)` };
      else ov.chain = { sync: 'behind', syncText: `sync behind! (${behind} behind)` };
    }
    const fee = big(blocks[0]?.ParentBaseFee);
    if (fee !== undefined) (ov.chain ??= {}).basefee = filFromAtto(fee);
  }

  // balances
  const b = ov.balances;
  const actor = obj(inp.actorState);
  const state = obj(actor?.State);
  const set = (key: 'miner' | 'precommitDeposits' | 'initialPledge' | 'vesting' | 'feeDebt' | 'available', v: unknown) => {
    const n = big(v);
    if (n !== undefined) b[key] = filFromAtto(n);
  };
  set('miner', actor?.Balance);
  set('precommitDeposits', state?.PreCommitDeposits);
  set('initialPledge', state?.InitialPledge);
  set('vesting', state?.LockedFunds);
  set('feeDebt', state?.FeeDebt);
  set('available', inp.available);
  const market = obj(inp.market);
  const escrow = big(market?.Escrow);
  const locked = big(market?.Locked);
  if (escrow !== undefined || locked !== undefined) {
    b.market = {};
    if (escrow !== undefined) b.market.escrow = filFromAtto(escrow);
    if (locked !== undefined) b.market.locked = filFromAtto(locked);
    if (escrow !== undefined && locked !== undefined) b.market.available = filFromAtto(escrow - locked);
  }
  const wallets = inp.walletBalances ?? {};
  const withBalance = (address: string | undefined): AddressBalance | undefined => {
    if (!address) return undefined;
    const ab: AddressBalance = { address: clipText(address, 128) };
    const v = big(wallets[address]);
    if (v !== undefined) ab.balance = filFromAtto(v);
    return ab;
  };
  if (info) {
    const owner = str(info.Owner);
    if (owner) b.owner = { address: clipText(owner, 128) };
    const worker = withBalance(str(info.Worker));
    if (worker) b.worker = worker;
    const controls = strings(info.ControlAddresses, 64);
    b.control = controls.map((a) => withBalance(a)!);
    if (controls.length && b.control.every((c) => c.balance?.atto !== undefined)) {
      b.controlTotal = filFromAtto(b.control.reduce((s, c) => s + BigInt(c.balance!.atto!), 0n));
    }
    const ben = str(info.Beneficiary);
    if (ben && ben !== '<empty>') b.beneficiary = clipText(ben, 128);
  }
  const ac = obj(inp.addressConfig);
  if (ac) {
    b.addressConfig = {
      precommit: strings(ac.PreCommitControl, 64),
      commit: strings(ac.CommitControl, 64),
      terminate: strings(ac.TerminateControl, 64),
      dealPublish: strings(ac.DealPublishControl, 64),
    };
    const dof = bool(ac.DisableOwnerFallback);
    const dwf = bool(ac.DisableWorkerFallback);
    if (dof !== undefined) b.addressConfig.disableOwnerFallback = dof;
    if (dwf !== undefined) b.addressConfig.disableWorkerFallback = dwf;
  }
  const avail = b.available?.atto;
  if (avail !== undefined && b.market?.available && b.worker?.balance && (b.controlTotal || (info && strings(info.ControlAddresses).length === 0))) {
    let sum = BigInt(avail) > 0n ? BigInt(avail) : 0n;
    sum += BigInt(b.market.available.atto!) + BigInt(b.worker.balance.atto!);
    if (b.controlTotal) sum += BigInt(b.controlTotal.atto!);
    b.totalSpendable = filFromAtto(sum);
  }

  // power
  const pw = obj(inp.power);
  const p = ov.power;
  const mp = obj(pw?.MinerPower);
  const tp = obj(pw?.TotalPower);
  const raw = big(mp?.RawBytePower);
  const qa = big(mp?.QualityAdjPower);
  const netRaw = big(tp?.RawBytePower);
  const netQa = big(tp?.QualityAdjPower);
  if (raw !== undefined && raw >= 0n) p.raw = bytesFromInteger(raw);
  if (qa !== undefined && qa >= 0n) p.qualityAdjusted = bytesFromInteger(qa, 'deci');
  if (netRaw !== undefined && netRaw >= 0n) p.networkRaw = bytesFromInteger(netRaw);
  if (netQa !== undefined && netQa >= 0n) p.networkQualityAdjusted = bytesFromInteger(netQa, 'deci');
  if (raw !== undefined && netRaw !== undefined && netRaw > 0n) p.rawPercentText = percent4(raw, netRaw);
  if (qa !== undefined && netQa !== undefined && netQa > 0n) p.qualityAdjustedPercentText = percent4(qa, netQa);
  const hasMin = bool(pw?.HasMinPower);
  if (hasMin !== undefined) {
    p.hasMinPower = hasMin;
    if (p.qualityAdjusted) p.effective = hasMin ? p.qualityAdjusted : { bytes: '0', text: '0', exact: true };
    if (!hasMin) ov.blocks = { expectedPerDay: 0 };
    else if (qa !== undefined && netQa !== undefined) {
      const w = winProjection(qa, netQa);
      if (w) ov.blocks = w;
    }
  }
  const sc = obj(inp.sectorCount);
  const live = count(sc?.Live);
  const active = count(sc?.Active);
  const faulty = count(sc?.Faulty);
  if (sectorSize !== undefined) {
    const size = BigInt(sectorSize);
    if (live !== undefined) p.committed = bytesFromInteger(BigInt(live) * size);
    if (active !== undefined && faulty !== undefined) p.proving = bytesFromInteger(BigInt(active + faulty) * size);
    if (faulty !== undefined) p.faulty = bytesFromInteger(BigInt(faulty) * size);
  }

  // sectors
  const states: Record<string, number> = {};
  for (const [k, v] of Object.entries(obj(inp.summary) ?? {})) {
    const n = count(v);
    if (n !== undefined) states[k] = n;
  }
  const recovering = bitfieldCount(inp.recoveries);
  ov.sectors = sectorCountsFromStates(states, {
    ...(live !== undefined && active !== undefined && faulty !== undefined ? { onChain: { live, active, faulty } } : {}),
    ...(faulty !== undefined ? { faulty } : {}),
    ...(recovering !== undefined ? { recovering } : {}),
  });
  if (inp.summary === undefined) delete ov.sectors.total;

  // proving
  const dl = obj(inp.provingDeadline);
  if (dl || faulty !== undefined || recovering !== undefined) {
    const pr: NonNullable<MinerOverview['proving']> = {};
    const put = (k: 'currentEpoch' | 'periodStart' | 'deadlineOpen' | 'deadlineClose' | 'deadlineChallenge' | 'deadlineFaultCutoff', v: unknown) => {
      const n = int(v);
      if (n !== undefined) pr[k] = n;
    };
    put('currentEpoch', dl?.CurrentEpoch);
    put('periodStart', dl?.PeriodStart);
    put('deadlineOpen', dl?.Open);
    put('deadlineClose', dl?.Close);
    put('deadlineChallenge', dl?.Challenge);
    put('deadlineFaultCutoff', dl?.FaultCutoff);
    const idx = count(dl?.Index);
    if (idx !== undefined) pr.deadlineIndex = idx;
    if (faulty !== undefined) pr.faults = faulty;
    if (recovering !== undefined) pr.recovering = recovering;
    ov.proving = pr;
    if (ov.headEpoch === undefined && pr.currentEpoch !== undefined) ov.headEpoch = pr.currentEpoch;
  }

  // messages
  const msgs = arr(inp.mpool);
  if (msgs) {
    ov.messages.poolSize = msgs.length;
    if (ov.minerId) {
      let pending = 0;
      const byMethod: Record<string, number> = {};
      for (const sm of msgs) {
        const m = obj(obj(sm)?.Message);
        if (str(m?.To) !== ov.minerId) continue;
        pending++;
        const method = String(count(m?.Method) ?? '?');
        byMethod[method] = (byMethod[method] ?? 0) + 1;
      }
      ov.messages.pending = pending;
      ov.messages.pendingByMethod = byMethod;
    }
  }

  // "Workers: Seal(N) WdPoSt(M) WinPoSt(K)": enabled workers, by the first non-sealing task
  if (inp.workers) {
    const kinds = { seal: 0, wdpost: 0, winpost: 0 };
    for (const w of Object.values(inp.workers)) {
      if (w.enabled === false) continue;
      if (w.kind === 'wdpost') kinds.wdpost++;
      else if (w.kind === 'winpost') kinds.winpost++;
      else kinds.seal++;
    }
    ov.workerKinds = kinds;
  }
  return ov;
}

/** "%0.4f" of a × 100 / b. */
function percent4(a: bigint, b: bigint): string {
  const scaled = (a * 100n * 10n ** 12n) / b;
  return (Number(scaled) / 1e12).toFixed(4);
}
