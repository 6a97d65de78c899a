// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const xenDaemons: Probe = {
  id: 'xen-daemons',
  title: 'Xen daemons and services',
  async run() {
    return skip('not implemented yet');
  },
};
