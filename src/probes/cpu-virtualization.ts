// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const cpuVirtualization: Probe = {
  id: 'cpu-virtualization',
  title: 'hardware virtualization',
  async run() {
    return skip('not implemented yet');
  },
};
