import { describe, expect, it } from 'vitest';
import { unloadPrompt } from '../../electron/unload-prompt';

describe('Electron: closing the window while terminal sessions run', () => {
  it('asks in the UI language, Cancel being the default (index 1)', () => {
    expect(unloadPrompt('en-US')).toMatchObject({ message: 'Terminal sessions are still running', buttons: ['Close', 'Cancel'] });
    expect(unloadPrompt('zh-CN')).toMatchObject({ message: '终端会话仍在运行', buttons: ['关闭', '取消'] });
  });
});
