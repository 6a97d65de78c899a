// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const domains: Probe = {
  id: 'domains',
  title: 'domain states',
  async run() {
    return skip('not implemented yet');
  },
};
