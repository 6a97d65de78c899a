// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const bridgeOffload: Probe = {
  id: 'bridge-offload',
  title: 'bridge offloads',
  async run() {
    return skip('not implemented yet');
  },
};
