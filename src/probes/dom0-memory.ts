// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const dom0Memory: Probe = {
  id: 'dom0-memory',
  title: 'dom0 memory and ballooning',
  async run() {
    return skip('not implemented yet');
  },
};
