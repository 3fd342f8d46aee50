import type { ITheme } from '@xterm/xterm';
import type { ResolvedTheme } from '../../stores/settings-store';

/**
 * Terminal palettes that follow the app theme. The 16 ANSI colors are GitHub's terminal colors
 * (chosen for contrast on their background); xterm's minimum contrast ratio fixes up what a
 * program paints with colors of its own choosing.
 */
const DARK: ITheme = {
  background: '#0d1117',
  overviewRulerBorder: '#0d1117',
  foreground: '#d6dde6',
  cursor: '#58a6ff',
  cursorAccent: '#0d1117',
  selectionBackground: '#264f78',
  selectionInactiveBackground: '#3a3d41',
  scrollbarSliderBackground: 'rgba(121, 130, 143, 0.35)',
  scrollbarSliderHoverBackground: 'rgba(121, 130, 143, 0.55)',
  scrollbarSliderActiveBackground: 'rgba(121, 130, 143, 0.7)',
  black: '#484f58',
  red: '#ff7b72',
  green: '#3fb950',
  yellow: '#d29922',
  blue: '#58a6ff',
  magenta: '#bc8cff',
  cyan: '#39c5cf',
  white: '#b1bac4',
  brightBlack: '#6e7681',
  brightRed: '#ffa198',
  brightGreen: '#56d364',
  brightYellow: '#e3b341',
  brightBlue: '#79c0ff',
  brightMagenta: '#d2a8ff',
  brightCyan: '#56d4dd',
  brightWhite: '#f0f6fc',
};

const LIGHT: ITheme = {
  background: '#ffffff',
  overviewRulerBorder: '#ffffff',
  foreground: '#1f2328',
  cursor: '#0969da',
  cursorAccent: '#ffffff',
  selectionBackground: '#add6ff',
  selectionInactiveBackground: '#e5ebf1',
  scrollbarSliderBackground: 'rgba(100, 110, 120, 0.3)',
  scrollbarSliderHoverBackground: 'rgba(100, 110, 120, 0.5)',
  scrollbarSliderActiveBackground: 'rgba(100, 110, 120, 0.65)',
  black: '#24292f',
  red: '#cf222e',
  green: '#116329',
  yellow: '#4d2d00',
  blue: '#0969da',
  magenta: '#8250df',
  cyan: '#1b7c83',
  white: '#6e7781',
  brightBlack: '#57606a',
  brightRed: '#a40e26',
  brightGreen: '#1a7f37',
  brightYellow: '#633c01',
  brightBlue: '#218bff',
  brightMagenta: '#a475f9',
  brightCyan: '#3192aa',
  brightWhite: '#8c959f',
};

export function xtermTheme(mode: ResolvedTheme): ITheme {
  return mode === 'dark' ? DARK : LIGHT;
}

/** Text painted in a color too close to the background is adjusted up to this contrast. */
export function minimumContrast(mode: ResolvedTheme): number {
  return mode === 'dark' ? 1 : 4.5;
}

/** The search addon wants #RRGGBB colors. */
export function searchDecorations(mode: ResolvedTheme) {
  return mode === 'dark'
    ? { matchBackground: '#5a4a10', matchBorder: '#d29922', matchOverviewRuler: '#d29922', activeMatchBackground: '#a0600a', activeMatchBorder: '#ffb020', activeMatchColorOverviewRuler: '#ffb020' }
    : { matchBackground: '#fff1b8', matchBorder: '#d4a72c', matchOverviewRuler: '#d4a72c', activeMatchBackground: '#ffc53d', activeMatchBorder: '#ad6800', activeMatchColorOverviewRuler: '#ad6800' };
}
