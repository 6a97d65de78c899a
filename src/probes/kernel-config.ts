// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const kernelConfig: Probe = {
  id: 'kernel-config',
  title: 'kernel config for dom0',
  async run() {
    return skip('not implemented yet');
  },
};
