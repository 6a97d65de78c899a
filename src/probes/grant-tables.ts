// PLACEHOLDER: replaced by the real probe (see the issue). Never committed as done.
import { type Probe, skip } from '../check.js';

export const grantTables: Probe = {
  id: 'grant-tables',
  title: 'grant table usage',
  async run() {
    return skip('not implemented yet');
  },
};
