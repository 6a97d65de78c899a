// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const hypervisorLog: Probe = {
  id: 'hypervisor-log',
  title: 'hypervisor log',
  async run() {
    return skip('not implemented yet');
  },
};
