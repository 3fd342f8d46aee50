import type { ContractImpl } from '../contract/define';
import type { sshContract } from '../contract/ssh';
import type { HostKeyPrompts } from './host-key-verifier';

/** Host key questions for the UI: pending ones first, then new ones and their answers. */
export function sshImpl(prompts: HostKeyPrompts): ContractImpl<typeof sshContract> {
  return {
    hostKeyPrompts: (_input, sink) => {
      for (const prompt of prompts.pending()) sink.next({ kind: 'prompt', prompt });
      return prompts.onDidChange((e) => sink.next(e));
    },
    answerHostKey: ({ id, trust }) => {
      prompts.answer(id, trust);
      return null;
    },
  };
}
