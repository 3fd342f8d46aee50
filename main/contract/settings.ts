import { z } from 'zod';
import { defineContract, method, stream } from './define';

/**
 * User settings, stored as versioned JSON (settings.json in the config directory).
 *
 * Every field has a default, so an older file with missing sections (or an empty object with a
 * version) loads. To add a section for a feature:
 *   1. declare `FooSettingsSchema` with a default on every field;
 *   2. add `foo: FooSettingsSchema.prefault({})` to SettingsSchema;
 *   3. add `foo: sectionPatch(FooSettingsSchema).optional()` to SettingsPatchSchema (a patch sets
 *      the fields it names; arrays and nested objects in it replace the stored ones).
 * Adding a section with defaults needs no version bump. Bump SETTINGS_VERSION only for changes
 * an older Drover could not read, and add a migration in main/settings/settings-migrations.ts.
 */
export const SETTINGS_VERSION = 1;

export const LanguageSchema = z.enum(['system', 'en', 'zh-CN']);
export type Language = z.infer<typeof LanguageSchema>;

export const ThemeSchema = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof ThemeSchema>;

export const UiSettingsSchema = z.object({
  language: LanguageSchema.default('system'),
  theme: ThemeSchema.default('system'),
});
export type UiSettings = z.infer<typeof UiSettingsSchema>;

export const SettingsSchema = z.object({
  version: z.literal(SETTINGS_VERSION),
  ui: UiSettingsSchema.prefault({}),
});
export type Settings = z.infer<typeof SettingsSchema>;

type WithoutDefault<T> = T extends z.ZodDefault<infer U> ? U : T extends z.ZodPrefault<infer U> ? U : T;
type SectionPatchShape<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<WithoutDefault<S[K]>> };

/**
 * The patch schema of a section: every field optional and without its default (a default here
 * would silently reset fields the patch does not mention). Unknown fields are refused.
 */
export function sectionPatch<S extends z.ZodRawShape>(section: z.ZodObject<S>): z.ZodObject<SectionPatchShape<S>, z.core.$strict> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(section.shape)) {
    let inner = field as z.ZodType;
    while (inner instanceof z.ZodDefault || inner instanceof z.ZodPrefault) inner = inner.unwrap() as z.ZodType;
    shape[key] = inner.optional();
  }
  return z.strictObject(shape) as unknown as z.ZodObject<SectionPatchShape<S>, z.core.$strict>;
}

/** A partial update: objects are deep-merged into the current settings, arrays and values replace. */
export const SettingsPatchSchema = z.strictObject({
  ui: sectionPatch(UiSettingsSchema).optional(),
});
export type SettingsPatch = z.input<typeof SettingsPatchSchema>;

/** The settings every new installation starts on. */
export function defaultSettings(): Settings {
  return SettingsSchema.parse({ version: SETTINGS_VERSION });
}

export const settingsContract = defineContract({
  get: method({ input: z.null(), output: SettingsSchema }),
  /** Deep-merges the patch, validates, writes the file atomically, returns the new settings. */
  update: method({ input: SettingsPatchSchema, output: SettingsSchema }),
  /** The current settings first, then the settings after every change. */
  changes: stream({ input: z.null(), event: SettingsSchema }),
});
