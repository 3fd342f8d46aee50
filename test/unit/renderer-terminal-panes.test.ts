import { describe, expect, it } from 'vitest';
import { activated, afterClose, focusedKey, keysOf, moveToOther, ONE_PANE, opened, splitOff, splitOn } from '../../renderer/src/features/terminal/terminal-panes';

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
});
