import { ESLint } from 'eslint';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// The layer rules live in eslint.config.mjs; these cases prove they fire (and do not fire on the
// imports each layer is allowed), so a config edit cannot silently switch them off.
const root = path.resolve(__dirname, '../..');
const eslint = new ESLint({ cwd: root });

async function restricted(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules (npm run lint)', () => {
  it('main/ never imports electron or the renderer', async () => {
    expect(await restricted('main/app/x.ts', "import { app } from 'electron';\nexport const a = app;\n")).not.toEqual([]);
    expect(await restricted('main/app/x.ts', "import { a } from '../../renderer/src/a';\nexport const b = a;\n")).not.toEqual([]);
    expect(await restricted('main/app/x.ts', "import { a } from '../../electron/main';\nexport const b = a;\n")).not.toEqual([]);
    expect(await restricted('main/app/x.ts', "import fs from 'node:fs';\nimport { z } from 'zod';\nexport const a = [fs, z];\n")).toEqual([]);
  });

  it('main/contract imports only zod and itself', async () => {
    expect(await restricted('main/contract/x.ts', "import fs from 'node:fs';\nexport const a = fs;\n")).not.toEqual([]);
    expect(await restricted('main/contract/x.ts', "import React from 'react';\nexport const a = React;\n")).not.toEqual([]);
    expect(await restricted('main/contract/x.ts', "import { a } from '../host/web-host';\nexport const b = a;\n")).not.toEqual([]);
    expect(await restricted('main/contract/x.ts', "import { z } from 'zod';\nimport { AppError } from './errors';\nexport const a = [z, AppError];\n")).toEqual([]);
  });

  it('renderer/ imports only @contract from main, and no Node modules', async () => {
    expect(await restricted('renderer/src/x.ts', "import { a } from '../../main/settings/a';\nexport const b = a;\n")).not.toEqual([]);
    expect(await restricted('renderer/src/x.ts', "import fs from 'fs';\nexport const a = fs;\n")).not.toEqual([]);
    expect(await restricted('renderer/src/x.ts', "import { Client } from 'ssh2';\nexport const a = Client;\n")).not.toEqual([]);
    expect(await restricted('renderer/src/x.ts', "import { ipcRenderer } from 'electron';\nexport const a = ipcRenderer;\n")).not.toEqual([]);
    expect(await restricted('renderer/src/x.ts', "import { appContract } from '@contract/index';\nimport { create } from 'zustand';\nexport const a = [appContract, create];\n")).toEqual([]);
  });

  it('electron/ never imports the renderer', async () => {
    expect(await restricted('electron/x.ts', "import { a } from '../renderer/src/a';\nexport const b = a;\n")).not.toEqual([]);
    expect(await restricted('electron/x.ts', "import { createServices } from '../main/app/create-services';\nexport const a = createServices;\n")).toEqual([]);
  });
});
