// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const scheduler: Probe = {
  id: 'scheduler',
  title: 'Xen scheduler',
  async run() {
    return skip('not implemented yet');
  },
};
