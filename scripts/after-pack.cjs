// electron-builder afterPack hook (see electron-builder.yml): flips the Electron fuses of the
// packaged binary before it is signed. Fuses are compiled-in switches; turning these off means a
// packaged Drover cannot be used as a plain Node (ELECTRON_RUN_AS_NODE), cannot be injected into
// with NODE_OPTIONS or --inspect, and only loads its code from the integrity-checked app.asar.
// test/unit/electron-security.test.ts reads fuseConfigFor() to check these settings.
/* eslint-disable @typescript-eslint/no-require-imports */
'use strict';
const path = require('node:path');
const { flipFuses, FuseVersion, FuseV1Options } = require('@electron/fuses');

/** Architecture names of electron-builder's Arch enum (builder-util), by value. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

function archName(arch) {
  return typeof arch === 'number' ? (ARCH_NAMES[arch] ?? String(arch)) : String(arch);
}

/** The fuse settings for one packaged binary. */
function fuseConfigFor({ platform, arch }) {
  const isMac = platform === 'darwin' || platform === 'mas';
  const name = archName(arch);
  return {
    version: FuseVersion.V1,
    // Flipping fuses breaks the ad-hoc signature of an unsigned arm64 macOS binary; re-sign ad hoc.
    resetAdHocDarwinSignature: isMac && (name === 'arm64' || name === 'universal'),
    [FuseV1Options.RunAsNode]: false,
    [FuseV1Options.EnableCookieEncryption]: true,
    [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
    [FuseV1Options.EnableNodeCliInspectArguments]: false,
    [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
    [FuseV1Options.OnlyLoadAppFromAsar]: true,
    [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
    [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** Where the Electron executable is inside appOutDir (the same rule electron-builder uses). */
function electronBinaryPath(context) {
  const { appOutDir, electronPlatformName: platform, packager } = context;
  if (platform === 'darwin' || platform === 'mas') return path.join(appOutDir, `${packager.appInfo.productFilename}.app`);
  if (platform === 'win32') return path.join(appOutDir, `${packager.appInfo.productFilename}.exe`);
  return path.join(appOutDir, packager.executableName);
}

async function afterPack(context) {
  const binary = electronBinaryPath(context);
  const config = fuseConfigFor({ platform: context.electronPlatformName, arch: context.arch });
  console.log(`after-pack: flipping Electron fuses of ${binary}`);
  await flipFuses(binary, config);
}

module.exports = afterPack;
module.exports.default = afterPack;
module.exports.afterPack = afterPack;
module.exports.fuseConfigFor = fuseConfigFor;
module.exports.electronBinaryPath = electronBinaryPath;
