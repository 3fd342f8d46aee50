import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { z } from 'zod';
import { AppError } from '../../contract/errors';
import {
  AlertRuleSchema,
  DEFAULT_FLEET_GROUPS,
  FleetGroupSchema,
  FleetHostSchema,
  FleetSettingsPatchSchema,
  FleetSettingsSchema,
  type AddHostsResult,
  type AlertRule,
  type FleetGroup,
  type FleetHost,
  type FleetHostDraft,
  type FleetInventory,
  type FleetLookup,
  type FleetSettings,
  type FleetSettingsPatch,
} from '../../contract/fleet';
import { Emitter, type Event } from '../../contract/lifecycle';
import type { Notice } from '../../contract/system';
import { normalizeMac } from '../../farm/mac-address';
import { summarizeIssues } from '../../settings/versioned-json-file';
import { DEFAULT_ALERT_RULES } from '../alert-rules';
import type { FleetInventoryStore } from './fleet-inventory-store';
import { conflictingFacts, findSameMachine, identityFacts, lookupHost, mergeInto } from './host-identity';

export interface InventoryChange {
  /** Hosts added or changed (ids). */
  readonly changedHosts: readonly string[];
  readonly removedHosts: readonly string[];
  readonly groups: boolean;
  readonly rules: boolean;
  readonly settings: boolean;
}

const NO_CHANGE: InventoryChange = { changedHosts: [], removedHosts: [], groups: false, rules: false, settings: false };

function invalid(what: string, error: z.ZodError): AppError {
  return new AppError('INVALID_INPUT', `${what}: ${summarizeIssues(error)}`);
}

/** A readable, unique-enough id from a name: "rig-07-3fa2c1". */
export function hostIdFor(name: string): string {
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 48);
  return `${base || 'host'}-${randomBytes(3).toString('hex')}`;
}

/**
 * The fleet's configuration in memory — groups, hosts (one identity per machine), alert rules and
 * settings — with every change validated, written to fleet-inventory.json, and announced through
 * onDidChange. Methods throw AppError (INVALID_INPUT, ALREADY_EXISTS, NOT_FOUND, CONFLICT).
 */
export class FleetInventoryModel {
  private groupList: FleetGroup[];
  private hostList: FleetHost[];
  private ruleList: AlertRule[];
  private current: FleetSettings;
  private readonly changeEmitter = new Emitter<InventoryChange>();
  readonly onDidChange: Event<InventoryChange> = this.changeEmitter.event;

  private constructor(
    private readonly store: FleetInventoryStore,
    inventory: FleetInventory,
    settings: FleetSettings,
  ) {
    this.groupList = inventory.groups;
    this.hostList = inventory.hosts;
    this.ruleList = inventory.rules;
    this.current = settings;
    // Hosts name their group: a group missing from the list (a hand-edited file) is added.
    for (const h of this.hostList) this.ensureGroup(h.group);
  }

  static async load(store: FleetInventoryStore): Promise<{ model: FleetInventoryModel; notices: Notice[] }> {
    const { stored, notices } = await store.load();
    const inventory = stored?.inventory ?? { groups: DEFAULT_FLEET_GROUPS.map((g) => ({ ...g })), hosts: [], rules: DEFAULT_ALERT_RULES.map((r) => ({ ...r })) };
    const settings = stored?.settings ?? FleetSettingsSchema.parse({});
    return { model: new FleetInventoryModel(store, inventory, settings), notices };
  }

  get file(): string {
    return this.store.file;
  }

  get notPersistingReason(): string | undefined {
    return this.store.notPersistingReason;
  }

  get hosts(): readonly FleetHost[] {
    return this.hostList;
  }

  get groups(): readonly FleetGroup[] {
    return this.groupList;
  }

  get rules(): readonly AlertRule[] {
    return this.ruleList;
  }

  get settings(): FleetSettings {
    return this.current;
  }

  host(id: string): FleetHost | undefined {
    return this.hostList.find((h) => h.id === id);
  }

  lookup(q: FleetLookup): FleetHost | undefined {
    return lookupHost(this.hostList, q);
  }

  snapshot(): FleetInventory {
    return { groups: [...this.groupList], hosts: [...this.hostList], rules: [...this.ruleList] };
  }

  private ensureGroup(name: string): boolean {
    if (this.groupList.some((g) => g.name === name)) return false;
    this.groupList = [...this.groupList, { name, kind: 'other', description: '' }];
    return true;
  }

  private async commit(change: Partial<InventoryChange>): Promise<void> {
    const full = { ...NO_CHANGE, ...change };
    this.changeEmitter.fire(full);
    await this.store.save({ inventory: this.snapshot(), settings: this.current });
  }

  /** A draft as a valid host: canonical MAC, an id, the schema's defaults. */
  normalizeDraft(draft: FleetHostDraft): FleetHost {
    let mac: string | undefined;
    if (draft.mac !== undefined && draft.mac.trim() !== '') {
      mac = normalizeMac(draft.mac);
      if (!mac) throw new AppError('INVALID_INPUT', `${JSON.stringify(draft.mac)} is not a MAC address`, { hint: 'For example 52:54:00:a1:9c:ae (any common spelling works).' });
    }
    const candidate: Record<string, unknown> = { ...draft, id: draft.id ?? hostIdFor(draft.name ?? draft.hostname ?? draft.target?.host ?? 'host') };
    if (mac) candidate.mac = mac;
    else delete candidate.mac;
    for (const k of ['ip', 'hostname', 'lotusWorker'] as const) if (typeof candidate[k] === 'string' && (candidate[k] as string).trim() === '') delete candidate[k];
    const parsed = FleetHostSchema.safeParse(candidate);
    if (!parsed.success) throw invalid(`host ${JSON.stringify(draft.name ?? '')}`, parsed.error);
    if (parsed.data.ip !== undefined && net.isIP(parsed.data.ip) === 0) throw new AppError('INVALID_INPUT', `${JSON.stringify(parsed.data.ip)} is not an IP address`);
    return parsed.data;
  }

  /** Creates or replaces a host. A second entry for the same machine is refused (ALREADY_EXISTS names the other). */
  async saveHost(draft: FleetHostDraft): Promise<FleetHost> {
    const host = this.normalizeDraft(draft);
    const existing = this.host(host.id);
    if (draft.id !== undefined && !existing) throw new AppError('NOT_FOUND', `no host with id ${draft.id}`, { hint: 'It may have been removed meanwhile; add it again.' });
    const same = findSameMachine(this.hostList, identityFacts(host), host.id);
    if (same) {
      throw new AppError('ALREADY_EXISTS', `“${same.host.name}” is already this machine (same ${same.why})`, {
        hint: 'One machine has one entry: edit that host instead, or correct the address.',
        details: { otherId: same.host.id },
      });
    }
    const groups = this.ensureGroup(host.group);
    this.hostList = existing ? this.hostList.map((h) => (h.id === host.id ? host : h)) : [...this.hostList, host];
    await this.commit({ changedHosts: [host.id], groups });
    return host;
  }

  async removeHost(id: string): Promise<void> {
    if (!this.host(id)) throw new AppError('NOT_FOUND', `no host with id ${id}`);
    this.hostList = this.hostList.filter((h) => h.id !== id);
    await this.commit({ removedHosts: [id] });
  }

  /**
   * Adds many hosts (an import): each one that is the same machine as an inventory host is merged
   * into it (missing facts filled in, nothing overwritten); contradicting facts skip it.
   */
  async addHosts(drafts: readonly FleetHostDraft[]): Promise<AddHostsResult> {
    const result: AddHostsResult = { added: [], merged: [], skipped: [] };
    let hosts = [...this.hostList];
    let groups = false;
    const changed = new Set<string>();
    for (const draft of drafts) {
      const label = draft.name ?? draft.hostname ?? draft.target?.host ?? '?';
      let host: FleetHost;
      try {
        // An id already taken (an export from another Drover) gets a new one; the same machine merges below anyway.
        const idTaken = draft.id !== undefined && hosts.some((h) => h.id === draft.id);
        host = this.normalizeDraft(idTaken ? { ...draft, id: undefined } : draft);
      } catch (err) {
        result.skipped.push({ name: label.slice(0, 256), reason: AppError.from(err).message.slice(0, 1024) });
        continue;
      }
      const facts = identityFacts(host);
      const same = findSameMachine(hosts, facts);
      if (same) {
        const conflict = conflictingFacts(identityFacts(same.host), facts);
        if (conflict) {
          result.skipped.push({ name: label.slice(0, 256), reason: `looks like “${same.host.name}” (same ${same.why}) but ${conflict}` });
          continue;
        }
        const merged = mergeInto(same.host, host);
        if (merged !== same.host && JSON.stringify(merged) !== JSON.stringify(same.host)) {
          hosts = hosts.map((h) => (h.id === merged.id ? merged : h));
          changed.add(merged.id);
        }
        result.merged.push(same.host.id);
        continue;
      }
      hosts.push(host);
      if (this.ensureGroup(host.group)) groups = true;
      changed.add(host.id);
      result.added.push(host.id);
    }
    this.hostList = hosts;
    if (changed.size > 0 || groups) await this.commit({ changedHosts: [...changed], groups });
    return result;
  }

  async saveGroup(input: FleetGroup): Promise<FleetGroup> {
    const parsed = FleetGroupSchema.safeParse(input);
    if (!parsed.success) throw invalid('group', parsed.error);
    const g = parsed.data;
    this.groupList = this.groupList.some((x) => x.name === g.name) ? this.groupList.map((x) => (x.name === g.name ? g : x)) : [...this.groupList, g];
    await this.commit({ groups: true });
    return g;
  }

  async removeGroup(name: string): Promise<void> {
    if (!this.groupList.some((g) => g.name === name)) throw new AppError('NOT_FOUND', `no group named ${name}`);
    const members = this.hostList.filter((h) => h.group === name);
    if (members.length > 0) {
      throw new AppError('CONFLICT', `group ${name} still has ${members.length} host(s): ${members.slice(0, 5).map((h) => h.name).join(', ')}${members.length > 5 ? ', …' : ''}`, {
        hint: 'Move or remove its hosts first.',
      });
    }
    this.groupList = this.groupList.filter((g) => g.name !== name);
    const rules = this.ruleList.filter((r) => r.group !== name);
    const rulesChanged = rules.length !== this.ruleList.length;
    this.ruleList = rules;
    await this.commit({ groups: true, rules: rulesChanged });
  }

  async saveRule(input: AlertRule): Promise<AlertRule> {
    const parsed = AlertRuleSchema.safeParse(input);
    if (!parsed.success) throw invalid('alert rule', parsed.error);
    const r = parsed.data;
    if (r.group !== '*' && !this.groupList.some((g) => g.name === r.group)) throw new AppError('NOT_FOUND', `no group named ${r.group}`, { hint: 'Create the group first, or use * for every group.' });
    this.ruleList = this.ruleList.some((x) => x.id === r.id) ? this.ruleList.map((x) => (x.id === r.id ? r : x)) : [...this.ruleList, r];
    await this.commit({ rules: true });
    return r;
  }

  async removeRule(id: string): Promise<void> {
    if (!this.ruleList.some((r) => r.id === id)) throw new AppError('NOT_FOUND', `no alert rule with id ${id}`);
    this.ruleList = this.ruleList.filter((r) => r.id !== id);
    await this.commit({ rules: true });
  }

  async updateSettings(patch: FleetSettingsPatch): Promise<FleetSettings> {
    const p = FleetSettingsPatchSchema.safeParse(patch);
    if (!p.success) throw invalid('fleet settings', p.error);
    const next = FleetSettingsSchema.safeParse({ probe: { ...this.current.probe, ...p.data.probe }, syslog: { ...this.current.syslog, ...p.data.syslog } });
    if (!next.success) throw invalid('fleet settings', next.error);
    if (net.isIP(next.data.syslog.host) === 0) throw new AppError('INVALID_INPUT', `${JSON.stringify(next.data.syslog.host)} is not an IP address to listen on`, { hint: '127.0.0.1 (this machine only), 0.0.0.0 (every interface) or one LAN address.' });
    if (!next.data.syslog.udp && !next.data.syslog.tcp) throw new AppError('INVALID_INPUT', 'the syslog receiver needs UDP, TCP or both');
    this.current = next.data;
    await this.commit({ settings: true });
    return this.current;
  }

  /** An exported inventory: groups and rules added or replaced by name / id, hosts merged by identity. */
  async importInventory(inv: FleetInventory): Promise<AddHostsResult & { groups: number; rules: number }> {
    for (const g of inv.groups) {
      this.groupList = this.groupList.some((x) => x.name === g.name) ? this.groupList.map((x) => (x.name === g.name ? g : x)) : [...this.groupList, g];
    }
    for (const r of inv.rules) {
      this.ruleList = this.ruleList.some((x) => x.id === r.id) ? this.ruleList.map((x) => (x.id === r.id ? r : x)) : [...this.ruleList, r];
    }
    const result = await this.addHosts(inv.hosts);
    await this.commit({ groups: true, rules: true });
    return { ...result, groups: inv.groups.length, rules: inv.rules.length };
  }

  /**
   * Host names the probes learned (what the machine calls itself) for hosts that had none, in one
   * write. A name another host already has is left out (that is for a person to sort out).
   */
  async learnHostnames(found: ReadonlyMap<string, string>): Promise<string[]> {
    const changed: string[] = [];
    let hosts = this.hostList;
    for (const [id, hostname] of found) {
      const host = hosts.find((h) => h.id === id);
      if (!host || host.hostname || !FleetHostSchema.shape.hostname.safeParse(hostname).success) continue;
      if (findSameMachine(hosts, { hostname }, id)) continue;
      hosts = hosts.map((h) => (h.id === id ? { ...h, hostname } : h));
      changed.push(id);
    }
    if (changed.length === 0) return changed;
    this.hostList = hosts;
    await this.commit({ changedHosts: changed });
    return changed;
  }

  /** Resolves when every change so far is written. */
  idle(): Promise<void> {
    return this.store.idle();
  }

  dispose(): void {
    this.changeEmitter.dispose();
  }
}
