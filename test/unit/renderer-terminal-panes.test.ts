import { describe, expect, it } from 'vitest';
import { activated, afterClose, focusedKey, keysOf, layoutToSave, moveToOther, ONE_PANE, opened, parseSavedLayout, restoreLayout, splitOff, splitOn } from '../../renderer/src/features/terminal/terminal-panes';

describe('terminal panes (split side by side)', () => {
  const keys = ['t1', 't2', 't3'];

  it('splitting moves the newest other tab to the right and focuses it; unsplitting keeps the focused tab in front', () => {
    const on = splitOn(keys, 't1');
    expect(on.panes).toEqual({ split: true, right: ['t3'], rightKey: 't3', focus: 'right' });
    expect(keysOf(keys, on.panes, 'left')).toEqual(['t1', 't2']);
    expect(focusedKey(on.activeKey, on.panes)).toBe('t3');
    expect(splitOff(on.activeKey, on.panes)).toEqual({ panes: ONE_PANE, activeKey: 't3' });
    // One tab: the right pane starts empty and the focus stays left.
    expect(splitOn(['t1'], 't1').panes).toEqual({ split: true, right: [], rightKey: null, focus: 'left' });
  });

  it('moving a tab across picks a neighbour for the pane it left, and back', () => {
    const on = splitOn(keys, 't1');
    const moved = moveToOther(keys, on.activeKey, on.panes, 't1');
    expect(moved.panes).toMatchObject({ right: ['t3', 't1'], rightKey: 't1', focus: 'right' });
    expect(moved.activeKey).toBe('t2');
    const back = moveToOther(keys, moved.activeKey, moved.panes, 't3');
    expect(back.panes).toMatchObject({ right: ['t1'], rightKey: 't1', focus: 'left' });
    expect(back.activeKey).toBe('t3');
    // Not split yet: moving splits.
    expect(moveToOther(keys, 't1', ONE_PANE, 't2').panes).toMatchObject({ split: true, right: ['t2'], focus: 'right' });
  });

  it('closing the last tab of the right pane gives the focus back; new tabs open in the focused pane; a click focuses its pane', () => {
    const on = splitOn(keys, 't1');
    const closed = afterClose(keys, on.activeKey, on.panes, 't3');
    expect(closed.panes).toMatchObject({ right: [], rightKey: null, focus: 'left' });
    const o = opened(on.panes, 't4');
    expect(o).toEqual({ panes: { ...on.panes, right: ['t3', 't4'], rightKey: 't4' }, left: false });
    expect(opened(ONE_PANE, 't4')).toEqual({ panes: ONE_PANE, left: true });
    expect(activated(on.panes, 't2')).toEqual({ panes: { ...on.panes, focus: 'left' }, left: true });
    expect(afterClose(keys, 't1', on.panes, 't1').activeKey).toBe('t2');
  });

  describe('the layout across a reload (kept by session id)', () => {
    const sessionOf = (k: string) => ({ t1: 's1', t2: 's2', t3: 's3' })[k] ?? null;

    it('saves the split by session id and lays the new tabs out the same way', () => {
      const on = moveToOther(keys, 't1', splitOn(keys, 't1').panes, 't2');
      const saved = layoutToSave({ panes: on.panes, activeKey: on.activeKey }, sessionOf);
      expect(saved).toEqual({ split: true, right: ['s3', 's2'], rightFront: 's2', leftFront: 's1', focus: 'right' });
      // After the reload the same sessions are tabs n1..n3.
      const keyOf = new Map([['s1', 'n1'], ['s2', 'n2'], ['s3', 'n3']]);
      const back = restoreLayout(parseSavedLayout(JSON.parse(JSON.stringify(saved)))!, ['n1', 'n2', 'n3'], keyOf, 'n3');
      expect(back).toEqual({ panes: { split: true, right: ['n3', 'n2'], rightKey: 'n2', focus: 'right' }, activeKey: 'n1' });
    });

    it('skips sessions that are gone; with no right tab left it is one pane with the saved front tab', () => {
      const saved = { split: true, right: ['gone'], rightFront: 'gone', leftFront: 's1', focus: 'right' as const };
      expect(restoreLayout(saved, ['n1', 'n2'], new Map([['s1', 'n1'], ['s2', 'n2']]), 'n2')).toEqual({ panes: ONE_PANE, activeKey: 'n1' });
      expect(restoreLayout({ ...saved, leftFront: 'gone too' }, ['n1'], new Map([['s1', 'n1']]), 'n1')).toBeNull();
      // A front tab that went: the right pane shows its last tab.
      const r = restoreLayout({ split: true, right: ['s2', 'x'], rightFront: 'x', leftFront: null, focus: 'left' }, ['n1', 'n2'], new Map([['s1', 'n1'], ['s2', 'n2']]), 'n1');
      expect(r).toEqual({ panes: { split: true, right: ['n2'], rightKey: 'n2', focus: 'left' }, activeKey: 'n1' });
    });

    it('refuses what is not a layout (it comes from storage)', () => {
      for (const bad of [null, 7, 'x', {}, { split: 'yes', right: [] }, { split: true, right: [1] }, { split: true, right: 'a' }]) expect(parseSavedLayout(bad)).toBeNull();
      expect(parseSavedLayout({ split: false, right: [], focus: 'sideways', leftFront: 5 })).toEqual({ split: false, right: [], rightFront: null, leftFront: null, focus: 'left' });
    });
  });
});
