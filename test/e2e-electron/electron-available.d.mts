// Types of electron-available.mjs (plain JS so the lead's runner can call it with node alone).
export declare const repoRoot: string;
export type ElectronAvailability = { ok: true; executablePath: string; version: string } | { ok: false; reason: string };
export declare function electronAvailability(options?: { checkRuns?: boolean }): ElectronAvailability;
export type DisplayStatus = { ok: true; needsXvfb: boolean } | { ok: false; reason: string };
export declare function displayStatus(): DisplayStatus;
export declare function notRunMessage(reason: string): string;
export declare function printNotRun(reason: string): void;
