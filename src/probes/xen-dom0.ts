// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const xenDom0: Probe = {
  id: 'xen-dom0',
  title: 'dom0 has /proc/xen',
  async run() {
    return skip('not implemented yet');
  },
};
